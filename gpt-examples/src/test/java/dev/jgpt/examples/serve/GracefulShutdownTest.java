package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link OpenAiServer#shutdown}: what is in progress may finish, nothing new comes in, and at the
 * deadline what still runs is ended. A request is held in the queue (its slot taken by the test)
 * so that it is in progress for exactly as long as the test says.
 */
class GracefulShutdownTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String STREAM = "{\"prompt\":\"Every effort moves you\",\"max_tokens\":8,\"temperature\":0,"
            + "\"stream\":true}";

    private static CompletableFuture<HttpResponse<String>> queuedStream(TinyServer s) throws InterruptedException {
        CompletableFuture<HttpResponse<String>> f = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(
                s.url("/v1/completions"))).POST(HttpRequest.BodyPublishers.ofString(STREAM)).build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.currentTimeMillis() + 10_000;
        while (s.server.slots().getQueueLength() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(s.server.slots().getQueueLength()).isEqualTo(1);
        return f;
    }

    private static boolean refused(int port) throws IOException {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    private static void awaitRefused(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!refused(port) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(refused(port)).as("new connections refused").isTrue();
    }

    @Test
    void requestsInProgressFinishWhileNewOnesAreTurnedAway() throws Exception {
        try (TinyServer s = TinyServer.start(1, 1, HttpLimits.DEFAULTS, e -> {})) {
            int port = s.server.port();
            String expected = s.greedy("Every effort moves you", 8);
            AutoCloseable slot = s.server.occupySlot();
            CompletableFuture<HttpResponse<String>> inProgress = queuedStream(s);
            // a connection opened before the stop, kept alive
            try (Socket kept = new Socket("127.0.0.1", port)) {
                CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(
                        () -> s.server.shutdown(Duration.ofSeconds(30)));
                awaitRefused(port);
                // a new request on an open connection is told why it is turned away, in OpenAI's shape
                kept.setSoTimeout(10_000);
                kept.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(kept.getInputStream().readNBytes(400), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("HTTP/1.1 503").contains("\"The server is shutting down\"");
                assertThat(stopped).isNotDone();
                slot.close(); // the queued stream gets its slot now, during the shutdown
                HttpResponse<String> r = inProgress.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body().strip()).endsWith("data: [DONE]");
                StringBuilder text = new StringBuilder();
                for (String block : r.body().split("\n\n")) {
                    if (block.startsWith("data: {")) {
                        text.append(com.google.gson.JsonParser.parseString(block.substring(6)).getAsJsonObject()
                                .getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString());
                    }
                }
                assertThat(text.toString()).isEqualTo(expected);
                assertThat(stopped.get(30, TimeUnit.SECONDS)).as("everything finished").isTrue();
            }
        }
    }

    @Test
    void atTheDeadlineWhatStillRunsIsEnded() throws Exception {
        try (TinyServer s = TinyServer.start(1, 1, HttpLimits.DEFAULTS, e -> {})) {
            try (AutoCloseable slot = s.server.occupySlot()) {
                CompletableFuture<HttpResponse<String>> inProgress = queuedStream(s);
                long t0 = System.nanoTime();
                assertThat(s.server.shutdown(Duration.ofMillis(300))).as("not everything finished").isFalse();
                assertThat(System.nanoTime() - t0).as("returns soon after the deadline")
                        .isLessThan(TimeUnit.SECONDS.toNanos(20));
                // the client sees its request cut off, never a whole answer
                try {
                    HttpResponse<String> r = inProgress.get(30, TimeUnit.SECONDS);
                    assertThat(r.body()).doesNotContain("[DONE]");
                } catch (java.util.concurrent.ExecutionException cut) {
                    assertThat(cut.getCause()).isInstanceOf(IOException.class);
                }
                assertThat(refused(s.server.port())).isTrue();
            }
        }
    }
}
