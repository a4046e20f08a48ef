package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.jgpt.datasets.InstructionExample;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The judge against a stub server on loopback speaking both wire formats. */
class ResponseJudgeTest {

    private static final InstructionExample EXAMPLE =
            new InstructionExample("Rewrite the sentence using a simile.", "The car is very fast.",
                    "The car is as fast as lightning.");

    private HttpServer server;
    private final List<JsonObject> requests = new ArrayList<>();
    private final List<String> authorization = new ArrayList<>();
    private final AtomicReference<String> answer = new AtomicReference<>("85");
    private final AtomicReference<Integer> status = new AtomicReference<>(200);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            record(ex);
            reply(ex, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                    + "{\"role\":\"assistant\",\"content\":\"" + answer.get() + "\"},\"finish_reason\":\"stop\"}]}");
        });
        server.createContext("/api/chat", ex -> {
            record(ex);
            reply(ex, "{\"model\":\"llama3\",\"message\":{\"role\":\"assistant\",\"content\":\"" + answer.get()
                    + "\"},\"done\":true}");
        });
        server.start();
    }

    private void record(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        synchronized (requests) {
            requests.add(JsonParser.parseString(body).getAsJsonObject());
            authorization.add(ex.getRequestHeaders().getFirst("Authorization"));
        }
    }

    private void reply(com.sun.net.httpserver.HttpExchange ex, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status.get(), bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void scoresThroughAnOpenAiCompatibleEndpoint() throws Exception {
        ResponseJudge judge = new ResponseJudge(base(), "gpt-4o-mini", ResponseJudge.Api.OPENAI, "sk-test",
                Duration.ofSeconds(5));
        assertThat(judge.endpoint().getPath()).isEqualTo("/v1/chat/completions");
        assertThat(judge.score(EXAMPLE, "The car is as fast as a cheetah.")).hasValue(85);
        JsonObject req = requests.get(0);
        assertThat(req.get("model").getAsString()).isEqualTo("gpt-4o-mini");
        assertThat(req.get("temperature").getAsInt()).isZero();
        String content = req.getAsJsonArray("messages").get(0).getAsJsonObject().get("content").getAsString();
        assertThat(content).contains("The car is as fast as lightning.").contains("The car is as fast as a cheetah.")
                .contains("score the model response").contains("Respond with the integer number only.");
        assertThat(authorization.get(0)).isEqualTo("Bearer sk-test");
    }

    @Test
    void scoresThroughOllamasChatApi() throws Exception {
        answer.set("Score: 42");
        ResponseJudge judge = new ResponseJudge(base(), "llama3", ResponseJudge.Api.OLLAMA, null, Duration.ofSeconds(5));
        assertThat(judge.score(EXAMPLE, "Fast car.")).hasValue(42);
        JsonObject req = requests.get(0);
        assertThat(req.get("stream").getAsBoolean()).isFalse();
        assertThat(req.getAsJsonObject("options").get("seed").getAsInt()).isEqualTo(123);
        assertThat(authorization.get(0)).isNull();
    }

    @Test
    void answersWithoutAScoreInRangeAreUnscored() throws Exception {
        assertThat(ResponseJudge.parseScore("I would give it 120")).isEmpty();
        assertThat(ResponseJudge.parseScore("no idea")).isEmpty();
        assertThat(ResponseJudge.parseScore("100")).isEqualTo(OptionalInt.of(100));
        answer.set("excellent");
        ResponseJudge judge = new ResponseJudge(base(), "m", ResponseJudge.Api.OPENAI, null, Duration.ofSeconds(5));
        assertThat(judge.score(EXAMPLE, "x")).isEmpty();
    }

    @Test
    void serverErrorsAndUnreachableJudgesAreClear() {
        status.set(500);
        ResponseJudge judge = new ResponseJudge(base(), "m", ResponseJudge.Api.OPENAI, null, Duration.ofSeconds(5));
        assertThatThrownBy(() -> judge.score(EXAMPLE, "x")).isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 500");
        int port = server.getAddress().getPort();
        server.stop(0);
        ResponseJudge gone = new ResponseJudge(URI.create("http://127.0.0.1:" + port), "m",
                ResponseJudge.Api.OLLAMA, null, Duration.ofSeconds(5));
        assertThatThrownBy(() -> gone.score(EXAMPLE, "x")).isInstanceOf(IOException.class)
                .hasMessageContaining("Cannot reach the judge");
        assertThatThrownBy(() -> new ResponseJudge(URI.create("ftp://x"), "m", ResponseJudge.Api.OLLAMA, null,
                Duration.ofSeconds(1))).hasMessageContaining("http");
    }
}
