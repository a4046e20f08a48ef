package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The load test, bounded: 200 requests from 16 clients against the tiny fixture model
 * with 2 slots and 8 queue places (so 429s happen by design), a mix of streaming and plain
 * requests on both endpoints, malformed requests, streams dropped after the first token, slow
 * clients (a silent half request beside a completion sent in pieces) and megabyte prompts.
 * RSS is measured by {@code jgpt bench-serve} in its own process; here the model's NDArrays are
 * counted instead, which a leak per request would move.
 */
class ServeLoadTest {

    @Test
    void twoHundredMixedRequestsFromSixteenClientsGetOnlyDesignedAnswers() throws Exception {
        try (TinyServer tiny = TinyServer.start(2, 8)) {
            // 60 retries: the queue has no fairness between retrying clients, so on a slow engine
            // (MXNet, a loaded CI machine) one client was once unlucky 21 times in a row; what the
            // test proves is that every request is served in the end, within the time limit
            ServeLoad.Settings settings = new ServeLoad.Settings(URI.create(tiny.url("")), TinyServer.MODEL, 200, 16,
                    16, Duration.ofSeconds(240), 60);
            new ServeLoad(new ServeLoad.Settings(settings.base(), settings.model(), 20, 16, 16,
                    settings.timeLimit(), 20)).run(); // warm-up
            ServeLoad.awaitIdle(URI.create(tiny.url("")));
            int arrays = tiny.lm.manager().getManagedArrays().size();

            ServeLoad.Report r = new ServeLoad(settings).run();

            assertThat(r.problems()).isEmpty();
            assertThat(r.clean()).isTrue();
            assertThat(r.sent()).isEqualTo(200);
            assertThat(r.turnedAway()).isZero();
            assertThat(r.kinds()).containsEntry(ServeLoad.Kind.STREAM, 70).containsEntry(ServeLoad.Kind.PLAIN, 70)
                    .containsEntry(ServeLoad.Kind.MALFORMED, 20).containsEntry(ServeLoad.Kind.DISCONNECT, 20)
                    .containsEntry(ServeLoad.Kind.SLOW_CLIENT, 10).containsEntry(ServeLoad.Kind.LARGE_PROMPT, 10);
            // every request ends served as designed: 400 for the malformed and the megabyte prompts, a drop
            // for the disconnects, a whole answer for the slow clients
            assertThat(r.outcomes().get(ServeLoad.Outcome.OK)).isEqualTo(200);
            // 16 clients on 2 slots + 8 queue places: the server turned some away and they retried
            assertThat(r.outcomes().get(ServeLoad.Outcome.RATE_LIMITED_429)).isPositive();
            assertThat(r.latencyNanos()).hasSize(140);
            assertThat(r.firstTokenNanos()).hasSize(70);
            assertThat(r.completionTokens()).isPositive().isLessThanOrEqualTo(140L * 16);
            assertThat(ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.99))
                    .isGreaterThanOrEqualTo(ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.5));

            JsonObject health = ServeLoad.awaitIdle(URI.create(tiny.url("")));
            assertThat(health.get("available_slots").getAsInt()).isEqualTo(2);
            assertThat(tiny.lm.manager().getManagedArrays()).hasSize(arrays);
            // and it still answers exactly
            String prompt = "Every effort moves you";
            HttpResponse<String> after = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(tiny.url("/v1/completions"))).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"prompt\":\"" + prompt + "\",\"max_tokens\":5,\"temperature\":0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JsonParser.parseString(after.body()).getAsJsonObject().getAsJsonArray("choices").get(0)
                    .getAsJsonObject().get("text").getAsString()).isEqualTo(tiny.greedy(prompt, 5));
        }
    }

    @Test
    void aServerThatFailsIsReportedAsUnclean() throws Exception {
        HttpServer broken = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        // a pool: the load's silent half requests each hold one of the JDK server's threads
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        broken.setExecutor(threads);
        broken.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes(); // as a real server reads it: a client still sending is not reset
            byte[] body = "{\"error\":{\"message\":\"boom\"}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(500, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        broken.start();
        try {
            ServeLoad.Report r = new ServeLoad(new ServeLoad.Settings(URI.create("http://127.0.0.1:"
                    + broken.getAddress().getPort()), "m", 20, 4, 4, Duration.ofSeconds(30), 0)).run();
            assertThat(r.clean()).isFalse();
            assertThat(r.outcomes().get(ServeLoad.Outcome.SERVER_ERROR_5XX)).isEqualTo(20);
            assertThat(r.problems()).isNotEmpty();
        } finally {
            broken.stop(0);
            threads.shutdownNow();
        }
    }
}
