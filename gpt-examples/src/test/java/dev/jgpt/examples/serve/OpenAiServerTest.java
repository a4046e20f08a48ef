package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.tokenizer.ChatMessage;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server end to end over loopback HTTP, on the tiny fixture model. */
class OpenAiServerTest {

    private static TinyServer tiny;
    private static OpenAiServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String prompt = "Every effort moves you";
    private static String expected;
    private static int promptTokens;

    @BeforeAll
    static void start() throws Exception {
        tiny = TinyServer.start(1);
        server = tiny.server;
        // the generator is checked against the fixture's reference elsewhere; the server must agree
        expected = tiny.greedy(prompt, 10);
        // no end-of-text within 10 tokens, so finish_reason is "length"
        assertThat(tiny.greedyIds(prompt, 10)).hasSize(10);
        promptTokens = tiny.tokens(prompt);
    }

    @AfterAll
    static void stop() {
        tiny.close();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** The chunks of a streamed {@code /v1/completions} body. */
    private static List<JsonObject> chunks(String body) {
        List<JsonObject> chunks = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.startsWith("data: {")) {
                chunks.add(JsonParser.parseString(block.substring(6)).getAsJsonObject());
            }
        }
        return chunks;
    }

    /** The text of a streamed {@code /v1/completions} body, chunk by chunk. */
    private static String streamedText(String body) {
        StringBuilder text = new StringBuilder();
        for (JsonObject c : chunks(body)) {
            text.append(c.getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString());
        }
        return text.toString();
    }

    private static String greedy(int maxTokens, boolean stream, String extra) {
        JsonObject o = new JsonObject();
        o.addProperty("model", "tiny-gpt2");
        o.addProperty("prompt", prompt);
        o.addProperty("max_tokens", maxTokens);
        o.addProperty("temperature", 0);
        o.addProperty("stream", stream);
        String s = o.toString();
        return extra == null ? s : s.substring(0, s.length() - 1) + "," + extra + "}";
    }

    @Test
    void healthAndModels() throws Exception {
        HttpResponse<String> h = send("GET", "/health", null);
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(json(h).get("status").getAsString()).isEqualTo("ok");
        HttpResponse<String> m = send("GET", "/v1/models", null);
        assertThat(json(m).getAsJsonArray("data").get(0).getAsJsonObject().get("id").getAsString())
                .isEqualTo("tiny-gpt2");
    }

    @Test
    void aGreedyCompletionIsTheReferenceContinuationWithUsage() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/completions", greedy(10, false, null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject o = json(r);
        assertThat(o.get("object").getAsString()).isEqualTo("text_completion");
        JsonObject choice = o.getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(choice.get("text").getAsString()).isEqualTo(expected);
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("length");
        JsonObject usage = o.getAsJsonObject("usage");
        assertThat(usage.get("prompt_tokens").getAsInt()).isEqualTo(promptTokens);
        assertThat(usage.get("completion_tokens").getAsInt()).isEqualTo(10);
        assertThat(usage.get("total_tokens").getAsInt()).isEqualTo(promptTokens + 10);
    }

    @Test
    void streamingSendsChunksThenUsageThenDone() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/completions", greedy(10, true, null));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        for (String block : r.body().split("\n\n")) {
            if (!block.isBlank()) {
                assertThat(block).startsWith("data: ");
                events.add(block.substring(6));
            }
        }
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) {
            text.append(JsonParser.parseString(e).getAsJsonObject().getAsJsonArray("choices").get(0)
                    .getAsJsonObject().get("text").getAsString());
        }
        assertThat(text.toString()).isEqualTo(expected);
        JsonObject last = JsonParser.parseString(events.get(events.size() - 2)).getAsJsonObject();
        assertThat(last.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString())
                .isEqualTo("length");
        assertThat(last.getAsJsonObject("usage").get("completion_tokens").getAsInt()).isEqualTo(10);
        // OpenAI's chunk format: finish_reason is present and null until the last chunk
        JsonObject first = JsonParser.parseString(events.get(0)).getAsJsonObject();
        assertThat(first.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").isJsonNull()).isTrue();
    }

    @Test
    void aStopSequenceCutsTheTextAndFinishes() throws Exception {
        String stop = expected.substring(expected.length() / 2, expected.length() / 2 + 2);
        String want = expected.substring(0, expected.indexOf(stop));
        for (boolean stream : new boolean[] {false, true}) {
            com.google.gson.JsonArray stops = new com.google.gson.JsonArray();
            stops.add(stop);
            HttpResponse<String> r = send("POST", "/v1/completions", greedy(10, stream, "\"stop\":" + stops));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String text;
            if (stream) {
                text = streamedText(r.body());
            } else {
                text = json(r).getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString();
            }
            assertThat(text).as("stream=" + stream).isEqualTo(want);
        }
    }

    /** --max-length bounds every request (and so each cache row) below the model's context. */
    @Test
    void aServerWithAMaxLengthRefusesLongerRequests() throws Exception {
        try (TinyServer short40 = TinyServer.start(new CompletionService.Scheduling(
                CompletionService.Scheduler.BATCH, 2, TinyServer.PREFILL_CHUNK, 40), 0)) {
            String prompt = "Every effort moves you"; // 4 tokens
            HttpResponse<String> over = HTTP.send(HttpRequest.newBuilder(URI.create(short40.url("/v1/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt + "\",\"max_tokens\":37}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(over.statusCode()).isEqualTo(400);
            assertThat(json(over).getAsJsonObject("error").get("message").getAsString()).isEqualTo("The prompt has 4"
                    + " tokens and max_tokens is 37: together more than the 40 tokens this server allows");
            HttpResponse<String> fits = HTTP.send(HttpRequest.newBuilder(URI.create(short40.url("/v1/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt
                            + "\",\"max_tokens\":36,\"temperature\":0}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(fits.statusCode()).as(fits.body()).isEqualTo(200);
            assertThat(json(fits).getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString())
                    .isEqualTo(short40.greedy(prompt, 36));
            assertThat(short40.service.cacheBytesBound()).isEqualTo(dev.jgpt.model.generate.ContinuousBatcher
                    .cacheBytesPerPosition(short40.lm.config(), short40.lm.dataType()) * 40 * 2);
        }
    }

    @Test
    void badRequestsGetAnOpenAiErrorNamingTheField() throws Exception {
        HttpResponse<String> badJson = send("POST", "/v1/completions", "{\"prompt\": ");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(json(badJson).getAsJsonObject("error").get("type").getAsString()).isEqualTo("invalid_request_error");
        String[][] cases = {
            {"{\"max_tokens\": 5}", "prompt"},
            {"{\"prompt\": \"Hi\", \"max_tokens\": 100000}", "max_tokens"},
            {"{\"prompt\": \"Hi\", \"temperature\": -1}", "temperature"},
            {"{\"prompt\": \"Hi\", \"model\": \"gpt-4\"}", "model"},
            {"{\"prompt\": \"Hi\", \"n\": 2}", "n"},
            {"{\"prompt\": \"Hi\", \"stream\": \"yes\"}", "stream"},
            {"{\"prompt\": \"Hi\", \"max_tokens\": 100000, \"stream\": true}", "max_tokens"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", "/v1/completions", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(json(r).getAsJsonObject("error").get("param").getAsString()).as(c[0]).isEqualTo(c[1]);
        }
        HttpResponse<String> huge = send("POST", "/v1/completions", "{\"prompt\": \"" + "a".repeat(2 << 20) + "\"}");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(json(huge).getAsJsonObject("error").get("message").getAsString()).contains("larger than");
        assertThat(send("GET", "/v1/completions", null).statusCode()).isEqualTo(405);
        assertThat(send("GET", "/v2/nothing", null).statusCode()).isEqualTo(404);
        // parsed strictly, as OpenAI does, and told in plain words: nothing of the parser's internals
        String[] malformed = {"{'prompt':'hi',max_tokens:3}", "{\"prompt\": \"hi\" /* c */}", "{\"prompt\": \"hi\",}"};
        for (String m : malformed) {
            HttpResponse<String> r = send("POST", "/v1/completions", m);
            assertThat(r.statusCode()).as(m).isEqualTo(400);
            String message = json(r).getAsJsonObject("error").get("message").getAsString();
            assertThat(message).as(m).startsWith("The request body is not valid JSON").doesNotContain("Json")
                    .doesNotContain("gson").doesNotContain("Exception").doesNotContain("http");
        }
        HttpResponse<String> twice = send("POST", "/v1/completions", "{\"prompt\": \"a\", \"prompt\": \"b\"}");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(json(twice).getAsJsonObject("error").get("message").getAsString()).contains("'prompt' twice");
        HttpResponse<String> longPath = send("GET", "/" + "x".repeat(5_000), null);
        assertThat(longPath.statusCode()).isEqualTo(404);
        assertThat(longPath.body().length()).isLessThan(400);
        // a request line past the 8 KiB a head may take is refused unread, in the same error shape
        HttpResponse<String> tooLong = send("GET", "/" + "x".repeat(20_000), null);
        assertThat(tooLong.statusCode()).isEqualTo(414);
        assertThat(json(tooLong).getAsJsonObject("error").get("message").getAsString())
                .isEqualTo("The request line is too long");
        // any 64-bit seed is valid, as in OpenAI's API; a fraction is not
        for (String seed : new String[] {"-2147483648", "9223372036854775807", "-9223372036854775808"}) {
            assertThat(send("POST", "/v1/completions", "{\"prompt\": \"Hi\", \"max_tokens\": 2, \"seed\": " + seed
                    + "}").statusCode()).as(seed).isEqualTo(200);
        }
        HttpResponse<String> fraction = send("POST", "/v1/completions", "{\"prompt\": \"Hi\", \"seed\": 1.5}");
        assertThat(fraction.statusCode()).isEqualTo(400);
        assertThat(json(fraction).getAsJsonObject("error").get("param").getAsString()).isEqualTo("seed");
        // and it keeps serving
        assertThat(send("POST", "/v1/completions", greedy(3, false, null)).statusCode()).isEqualTo(200);
    }

    @Test
    void overloadGets429WithRetryAfterInsteadOfQueueing() throws Exception {
        try (AutoCloseable busy = server.occupySlot()) {
            HttpResponse<String> r = send("POST", "/v1/completions", greedy(3, false, null));
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).contains("1");
            assertThat(json(r).getAsJsonObject("error").get("type").getAsString()).isEqualTo("rate_limit_error");
        }
        assertThat(send("POST", "/v1/completions", greedy(3, false, null)).statusCode()).isEqualTo(200);
    }

    @Test
    void aBoundedQueueWaitsForASlotAndRejectsBeyondIt() throws Exception {
        try (TinyServer queued = TinyServer.start(1, 1)) {
            java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting;
            try (AutoCloseable busy = queued.server.occupySlot()) {
                HttpRequest request = HttpRequest.newBuilder(URI.create(queued.url("/v1/completions")))
                        .POST(HttpRequest.BodyPublishers.ofString(greedy(3, false, null))).build();
                waiting = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
                long deadline = System.currentTimeMillis() + 10_000;
                while (queued.server.slots().getQueueLength() < 1 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(queued.server.slots().getQueueLength()).isEqualTo(1);
                HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create(queued.url("/health")))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(json(health).get("queued").getAsInt()).isEqualTo(1);
                // one generating (held here) + one queued: the third is turned away at once
                HttpResponse<String> third = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                assertThat(third.statusCode()).isEqualTo(429);
                assertThat(waiting).isNotDone();
            }
            HttpResponse<String> served = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            assertThat(json(served).getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString())
                    .isEqualTo(tiny.greedy(prompt, 3));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(CompletionService.Scheduler.class)
    void concurrentGenerationsEachGetTheirOwnExactAnswer(CompletionService.Scheduler scheduler) throws Exception {
        String[] prompts = {"Every effort moves you", "The quick brown fox", "Once upon a time", "I HAD always thought",
            "Name a colour.", "Hello, do you like tea?", "In the sunlit terraces", "of someplace"};
        try (TinyServer four = TinyServer.start(scheduler, 4, 8)) {
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                JsonObject o = new JsonObject();
                o.addProperty("prompt", prompts[i]);
                o.addProperty("max_tokens", 12);
                o.addProperty("temperature", 0);
                o.addProperty("stream", i % 2 == 0);
                calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(four.url("/v1/completions")))
                        .POST(HttpRequest.BodyPublishers.ofString(o.toString())).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < prompts.length; i++) {
                HttpResponse<String> r = calls.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                StringBuilder text = new StringBuilder();
                if (i % 2 == 0) {
                    text.append(streamedText(r.body()));
                } else {
                    text.append(json(r).getAsJsonArray("choices").get(0).getAsJsonObject().get("text").getAsString());
                }
                // four at a time (batched, or each alone on shared weights), each equal to its answer computed alone
                assertThat(text.toString()).as(prompts[i]).isEqualTo(four.greedy(prompts[i], 12));
            }
        }
    }

    @Test
    void aClientLeavingMidStreamFreesItsSlot() throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + server.port() + "/v1/completions")
                .toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.getOutputStream().write(greedy(100, true, null).getBytes(StandardCharsets.UTF_8));
        try (InputStream in = c.getInputStream()) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertThat(reader.readLine()).startsWith("data: {");
        }
        c.disconnect();
        long deadline = System.currentTimeMillis() + 10_000;
        while (server.slots().availablePermits() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.slots().availablePermits()).isEqualTo(1);
        assertThat(send("POST", "/v1/completions", greedy(3, false, null)).statusCode()).isEqualTo(200);
    }

    private static String chatRequest(boolean stream) {
        return "{\"model\":\"tiny-gpt2\",\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"}],"
                + "\"max_tokens\":5,\"temperature\":0,\"stream\":" + stream + "}";
    }

    private static String chatExpected() {
        return tiny.chatGreedy(List.of(new ChatMessage("user", "Name a colour.")), 5);
    }

    @Test
    void chatRendersTheStoredFormatAndAnswersAsTheAssistant() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/chat/completions", chatRequest(false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject o = json(r);
        assertThat(o.get("object").getAsString()).isEqualTo("chat.completion");
        JsonObject message = o.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message");
        assertThat(message.get("role").getAsString()).isEqualTo("assistant");
        assertThat(message.get("content").getAsString()).isEqualTo(chatExpected());
        assertThat(o.getAsJsonObject("usage").get("completion_tokens").getAsInt()).isPositive();

        HttpResponse<String> s = send("POST", "/v1/chat/completions", chatRequest(true));
        List<JsonObject> chunks = chunks(s.body());
        assertThat(s.body().strip()).endsWith("data: [DONE]");
        assertThat(chunks.get(0).get("object").getAsString()).isEqualTo("chat.completion.chunk");
        assertThat(chunks.get(0).getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("delta")
                .get("role").getAsString()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (JsonObject c : chunks) {
            JsonObject delta = c.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("delta");
            if (delta.has("content")) {
                text.append(delta.get("content").getAsString());
            }
        }
        assertThat(text.toString()).isEqualTo(chatExpected());
        assertThat(chunks.get(chunks.size() - 1).has("usage")).isTrue();
    }

    @Test
    void badChatRequestsNameTheField() throws Exception {
        String[][] cases = {
            {"{\"max_tokens\": 5}", "messages"},
            {"{\"messages\": []}", "messages"},
            {"{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "messages[0].role"},
            {"{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "messages[0].content"},
            {"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"yo\"}]}",
                "messages"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", "/v1/chat/completions", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(json(r).getAsJsonObject("error").get("param").getAsString()).as(c[0]).isEqualTo(c[1]);
        }
    }
}
