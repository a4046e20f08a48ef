package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow or hostile on purpose: connections that send half a request line and
 * then nothing, a body sent slower than allowed, more connections than the server takes, and
 * requests that are not HTTP. None of them may keep the server from answering everyone else, and
 * what the HTTP layer answers itself is OpenAI's error JSON like everything else.
 */
class SlowClientTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String COMPLETION = "{\"prompt\":\"Every effort moves you\",\"max_tokens\":3,\"temperature\":0}";

    private static HttpResponse<String> get(TinyServer s, String path, Duration timeout) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url(path))).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> complete(TinyServer s, Duration timeout) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/completions"))).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(COMPLETION)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Socket open(TinyServer s) throws IOException {
        Socket socket = new Socket("127.0.0.1", s.server.port());
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** What the server sends until it closes, or until {@code SO_TIMEOUT}: bytes, or {@code null} on the timeout. */
    private static String readToClose(Socket socket) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            // reset: closed as well
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** The JSON body of a raw HTTP/1.1 response. */
    private static JsonObject body(String response) {
        return JsonParser.parseString(response.substring(response.indexOf("\r\n\r\n") + 4)).getAsJsonObject();
    }

    @Test
    void aHundredHalfRequestLinesStarveNeitherHealthNorACompletionAndAreClosedAfterTheReadTimeout() throws Exception {
        try (TinyServer s = TinyServer.start(2, 8, new HttpLimits(Duration.ofSeconds(1), 256), e -> {})) {
            assertThat(complete(s, Duration.ofSeconds(60)).statusCode()).isEqualTo(200); // warm
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    Socket socket = open(s);
                    socket.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    silent.add(socket);
                }
                // the JDK's HttpServer gave no answer here at all: its 14 workers were each stuck on a head
                HttpResponse<String> health = get(s, "/health", Duration.ofSeconds(1));
                assertThat(health.statusCode()).isEqualTo(200);
                HttpResponse<String> completion = complete(s, Duration.ofSeconds(1));
                assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
                // and each silent connection is answered 408 or closed once it has been silent for the read timeout
                for (Socket socket : silent) {
                    String got = readToClose(socket);
                    assertThat(got).as("closed within 30 s").isNotNull();
                    assertThat(got.isEmpty() || got.startsWith("HTTP/1.1 408")).as(got).isTrue();
                }
            } finally {
                for (Socket socket : silent) {
                    socket.close();
                }
            }
            assertThat(get(s, "/health", Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBodySentSlowerThanTheReadTimeoutAllowsGets408AndTheServerGoesOn() throws Exception {
        try (TinyServer s = TinyServer.start(1, 0, new HttpLimits(Duration.ofSeconds(1), 256), e -> {})) {
            byte[] body = COMPLETION.getBytes(StandardCharsets.UTF_8);
            try (Socket socket = open(s)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // a byte every 200 ms: never silent for the read timeout, yet the body would take 12 s
                String answer = null;
                for (int i = 0; i < body.length && answer == null; i++) {
                    try {
                        out.write(body[i]);
                        out.flush();
                    } catch (IOException e) {
                        break; // the server answered and closed
                    }
                    Thread.sleep(200);
                    if (socket.getInputStream().available() > 0) {
                        break;
                    }
                }
                answer = readToClose(socket);
                assertThat(answer).startsWith("HTTP/1.1 408");
                assertThat(answer.toLowerCase(Locale.ROOT)).contains("connection: close");
                assertThat(body(answer).getAsJsonObject("error").get("message").getAsString())
                        .isEqualTo("The request body did not arrive within 1 s");
            }
            // a body that stops half-way is cut off the same way
            try (Socket socket = open(s)) {
                socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 1000\r\n\r\n{\"prompt\": ").getBytes(StandardCharsets.US_ASCII));
                String answer = readToClose(socket);
                assertThat(answer).startsWith("HTTP/1.1 408");
            }
            assertThat(complete(s, Duration.ofSeconds(60)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        try (TinyServer s = TinyServer.start(1, 0, new HttpLimits(Duration.ofSeconds(60), 4), e -> {})) {
            List<Socket> held = new ArrayList<>();
            try (Socket extra = new Socket()) {
                for (int i = 0; i < 4; i++) {
                    Socket socket = open(s);
                    socket.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
                    held.add(socket);
                }
                // the fifth connects (the kernel queues it) but is not served while the four are open
                extra.connect(new java.net.InetSocketAddress("127.0.0.1", s.server.port()), 10_000);
                extra.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                extra.setSoTimeout(1000);
                String early = readToClose(extra);
                assertThat(early == null || early.isEmpty()).as("no answer beyond the limit: " + early).isTrue();
                for (Socket socket : held) {
                    socket.close();
                }
                // once they are gone, it is accepted and answered (unless it was closed at the limit)
                extra.setSoTimeout(30_000);
                if (early == null) {
                    String late = readToClose(extra);
                    assertThat(late).startsWith("HTTP/1.1 200");
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
            assertThat(get(s, "/health", Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void headIsAnsweredLikeGetWithoutABodyAndPrintsNothing() throws Exception {
        try (TinyServer s = TinyServer.start(1, 0, HttpLimits.DEFAULTS, e -> {})) {
            PrintStream err = System.err;
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            HttpResponse<String> head;
            HttpResponse<String> get;
            System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                head = HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/health")))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                get = get(s, "/health", Duration.ofSeconds(10));
            } finally {
                System.setErr(err);
            }
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
            assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
            // a POST route does not take HEAD, and says what it takes
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/completions")))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).contains("POST");
            HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/health")))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(405);
            assertThat(put.headers().firstValue("Allow")).contains("GET, HEAD");
        }
    }

    @Test
    void whatTheHttpLayerRefusesItselfIsOpenAiJsonToo() throws Exception {
        try (TinyServer s = TinyServer.start(1, 0, HttpLimits.DEFAULTS, e -> {})) {
            String[][] cases = {
                {"GARBAGE\r\n\r\n", "400"},
                {"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n", "431"},
                {"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nope\r\n\r\n", "400"},
            };
            for (String[] c : cases) {
                try (Socket socket = open(s)) {
                    socket.getOutputStream().write(c[0].getBytes(StandardCharsets.US_ASCII));
                    String answer = readToClose(socket);
                    assertThat(answer).as(c[1]).startsWith("HTTP/1.1 " + c[1]);
                    JsonObject error = body(answer).getAsJsonObject("error");
                    assertThat(error.get("type").getAsString()).isEqualTo("invalid_request_error");
                    assertThat(answer).doesNotContain("<html").doesNotContain("jetty").doesNotContain("Exception");
                }
            }
            assertThat(get(s, "/health", Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
        }
    }
}
