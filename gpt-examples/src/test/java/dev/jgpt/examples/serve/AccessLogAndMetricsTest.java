package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the server tells its operator: one access-log entry per request (the tokens where a
 * generation ran, the time to first token for streams), and {@code GET /metrics} in Prometheus'
 * text format whose counters and histograms move with the requests.
 */
class AccessLogAndMetricsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<AccessLog.Entry> LOG = new CopyOnWriteArrayList<>();
    private static TinyServer tiny;

    @BeforeAll
    static void start() throws Exception {
        tiny = TinyServer.start(1, 2, HttpLimits.DEFAULTS, LOG::add);
    }

    @AfterAll
    static void stop() {
        tiny.close();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tiny.url(path))).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String completion(int maxTokens, boolean stream) {
        return "{\"prompt\":\"Every effort moves you\",\"max_tokens\":" + maxTokens + ",\"temperature\":0,\"stream\":"
                + stream + "}";
    }

    /** Entries are written when Jetty completes a response, which may be just after the client has it. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as("within 10 s").isTrue();
    }

    private static AccessLog.Entry next(int before) throws InterruptedException {
        await(() -> LOG.size() > before);
        assertThat(LOG).hasSize(before + 1);
        return LOG.get(before);
    }

    @Test
    void eachRequestIsOneEntryWithItsTokensAndTimes() throws Exception {
        int n = LOG.size();
        assertThat(send("POST", "/v1/completions", completion(5, false)).statusCode()).isEqualTo(200);
        AccessLog.Entry plain = next(n);
        assertThat(plain.method()).isEqualTo("POST");
        assertThat(plain.path()).isEqualTo("/v1/completions");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.promptTokens()).isEqualTo(tiny.tokens("Every effort moves you"));
        assertThat(plain.completionTokens()).isEqualTo(5);
        assertThat(plain.latencyMillis()).isNotNegative();
        assertThat(plain.firstTokenMillis()).isEqualTo(-1);
        assertThat(plain.line()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z POST /v1/completions 200"
                + " prompt_tokens=\\d+ completion_tokens=5 latency_ms=\\d+");

        assertThat(send("POST", "/v1/completions", completion(5, true)).statusCode()).isEqualTo(200);
        AccessLog.Entry stream = next(n + 1);
        assertThat(stream.completionTokens()).isEqualTo(5);
        assertThat(stream.firstTokenMillis()).isNotNegative().isLessThanOrEqualTo(stream.latencyMillis());
        assertThat(stream.line()).endsWith(" ttft_ms=" + stream.firstTokenMillis());

        String longPath = "/" + "p".repeat(200);
        assertThat(send("GET", longPath, null).statusCode()).isEqualTo(404);
        AccessLog.Entry notFound = next(n + 2);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.generated()).isFalse();
        assertThat(notFound.path()).startsWith("/ppp").endsWith("... (201 characters)").hasSizeLessThan(110);
        assertThat(notFound.line()).doesNotContain("prompt_tokens").doesNotContain("ttft_ms");

        assertThat(send("HEAD", "/health", null).statusCode()).isEqualTo(200);
        assertThat(next(n + 3)).extracting(AccessLog.Entry::method, AccessLog.Entry::status).containsExactly("HEAD", 200);

        assertThat(send("POST", "/v1/completions", "{\"prompt\": ").statusCode()).isEqualTo(400);
        AccessLog.Entry bad = next(n + 4);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.generated()).isFalse();
    }

    /** Every sample of a text exposition by its full name with labels, checking that each line parses. */
    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        Pattern comment = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");
        Pattern sample = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?)"
                + " ([-+]?(?:\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?|Inf|NaN))");
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#")) {
                assertThat(line).matches(comment);
                continue;
            }
            Matcher m = sample.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            samples.put(m.group(1), Double.parseDouble(m.group(4).replace("Inf", "Infinity")));
        }
        return samples;
    }

    private static double value(Map<String, Double> samples, String name) {
        return samples.getOrDefault(name, 0.0);
    }

    @Test
    void metricsParseAndMoveWithTheRequests() throws Exception {
        String requests = "jgpt_requests_total{endpoint=\"/v1/completions\",status=\"200\"}";
        String notFound = "jgpt_requests_total{endpoint=\"other\",status=\"404\"}";
        Map<String, Double> before = scrape();
        assertThat(before).containsKeys("jgpt_running_sequences", "jgpt_waiting_sequences", "jgpt_batch_size",
                "jgpt_prompt_tokens_total", "jgpt_completion_tokens_total");
        assertThat(before.get("jgpt_running_sequences")).isZero();
        assertThat(before.get("jgpt_batch_size")).isZero();

        assertThat(send("POST", "/v1/completions", completion(3, false)).statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/completions", completion(4, true)).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/no/such/path", null).statusCode()).isEqualTo(404);
        await(() -> {
            try {
                Map<String, Double> now = scrape();
                return value(now, notFound) == value(before, notFound) + 1
                        && value(now, requests) == value(before, requests) + 2;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Map<String, Double> after = scrape();
        assertThat(value(after, requests)).isEqualTo(value(before, requests) + 2);
        assertThat(value(after, "jgpt_completion_tokens_total"))
                .isEqualTo(value(before, "jgpt_completion_tokens_total") + 7);
        assertThat(value(after, "jgpt_prompt_tokens_total")).isEqualTo(value(before, "jgpt_prompt_tokens_total")
                + 2 * tiny.tokens("Every effort moves you"));
        assertThat(value(after, "jgpt_time_to_first_token_seconds_count"))
                .isEqualTo(value(before, "jgpt_time_to_first_token_seconds_count") + 1);
        assertThat(value(after, "jgpt_request_duration_seconds_count{endpoint=\"/v1/completions\"}"))
                .isEqualTo(value(before, "jgpt_request_duration_seconds_count{endpoint=\"/v1/completions\"}") + 2);
        cumulative(after, "jgpt_time_to_first_token_seconds", "");
        cumulative(after, "jgpt_request_duration_seconds", "endpoint=\"/v1/completions\",");
    }

    /** A histogram's buckets in order of {@code le}: never decreasing, the last ({@code +Inf}) equal to the count. */
    private static void cumulative(Map<String, Double> samples, String name, String labels) {
        List<Double> buckets = new ArrayList<>();
        double previousBound = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String prefix = name + "_bucket{" + labels + "le=\"";
            if (e.getKey().startsWith(prefix)) {
                String le = e.getKey().substring(prefix.length(), e.getKey().length() - 2);
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                assertThat(bound).isGreaterThan(previousBound);
                previousBound = bound;
                buckets.add(e.getValue());
            }
        }
        assertThat(buckets).hasSizeGreaterThan(5).isSorted();
        assertThat(previousBound).isEqualTo(Double.POSITIVE_INFINITY);
        String count = name + "_count" + (labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}");
        assertThat(buckets.get(buckets.size() - 1)).isEqualTo(samples.get(count)).isPositive();
        assertThat(samples.get(name + "_sum" + count.substring((name + "_count").length()))).isPositive();
    }

    @Test
    void theBatchSizeIsOneWhileAGenerationRunsPerSlot() {
        CompletionService service = CompletionService.perSlot(tiny.lm, tiny.tokenizer);
        assertThat(service.batchSize()).isZero();
        CompletionService.Request r = new CompletionService.Request("Every effort moves you", false, 3, 0f, 1f, 0,
                List.of(), 1);
        List<Integer> seen = new ArrayList<>();
        service.complete(r, service.check(r), piece -> seen.add(service.batchSize()));
        assertThat(seen).isNotEmpty().containsOnly(1);
        assertThat(service.batchSize()).isZero();
    }

    /** Under the batch scheduler the gauge counts the rows of the forward pass: three requests share one. */
    @Test
    void theBatchSizeCountsTheRowsOfTheBatch() throws Exception {
        try (CompletionService service = CompletionService.batched(tiny.lm, tiny.tokenizer, 4, 64)) {
            assertThat(service.batchSize()).isZero();
            List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(3);
            List<java.util.concurrent.CompletableFuture<CompletionService.Result>> calls = new ArrayList<>();
            for (String prompt : List.of("Every effort moves you", "The quick brown fox", "Once upon a time")) {
                CompletionService.Request r = new CompletionService.Request(prompt, false, 40, 0f, 1f, 0, List.of(), 1);
                calls.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> service.complete(r,
                        service.check(r), piece -> {
                            started.countDown();
                            seen.add(service.batchSize());
                            return true;
                        })));
            }
            for (var c : calls) {
                c.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            // a gauge read as tokens arrive: 0 before the first step has counted its rows, never above 3
            assertThat(seen).isNotEmpty().allMatch(n -> n >= 0 && n <= 3).contains(3);
            for (int i = 0; i < 200 && service.batchSize() > 0; i++) {
                Thread.sleep(10);
            }
            assertThat(service.batchSize()).isZero();
        }
    }
}
