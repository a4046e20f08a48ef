package dev.jgpt.examples.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The server's metrics for {@code GET /metrics}, in Prometheus' text exposition format 0.0.4:
 * requests by endpoint and status, prompt and completion tokens, running and waiting sequences,
 * the batch size, and histograms of the time to first token and of request latency. Kept in a
 * registry of this server's own (not the process-wide default), so two servers in one JVM count
 * apart. The Prometheus client library does the counting and the format, so that the output is
 * exactly what Prometheus parses.
 */
final class ServeMetrics {

    /** The {@code Content-Type} of {@link #scrape()}: {@code text/plain; version=0.0.4; charset=utf-8}. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** The endpoints counted by name; any other path counts as {@code other}, so clients cannot grow the labels. */
    static final Set<String> ENDPOINTS = Set.of("/", "/health", "/metrics", "/v1/models", "/v1/completions",
            "/v1/chat/completions");

    /** Seconds: from a few milliseconds (a cached short prompt) to minutes (a long generation on a CPU). */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Histogram firstToken;
    private final Histogram latency;

    /**
     * @param running generations holding a slot now
     * @param waiting requests waiting for a slot now
     * @param batchSize sequences in the current forward pass ({@link CompletionService#batchSize})
     */
    ServeMetrics(IntSupplier running, IntSupplier waiting, IntSupplier batchSize) {
        requests = Counter.builder().name("jgpt_requests").help("HTTP requests answered, by endpoint and status")
                .labelNames("endpoint", "status").register(registry);
        promptTokens = Counter.builder().name("jgpt_prompt_tokens").help("Prompt tokens of the generations run")
                .register(registry);
        completionTokens = Counter.builder().name("jgpt_completion_tokens").help("Tokens generated")
                .register(registry);
        gauge("jgpt_running_sequences", "Generations running now", running);
        gauge("jgpt_waiting_sequences", "Requests waiting for a generation slot", waiting);
        gauge("jgpt_batch_size", "Sequences in the current forward pass", batchSize);
        firstToken = Histogram.builder().name("jgpt_time_to_first_token_seconds")
                .help("From a streamed request's first byte to its first token").classicOnly()
                .classicUpperBounds(BUCKETS).register(registry);
        latency = Histogram.builder().name("jgpt_request_duration_seconds")
                .help("From a request's first byte to its response's last, by endpoint").labelNames("endpoint")
                .classicOnly().classicUpperBounds(BUCKETS).register(registry);
    }

    private void gauge(String name, String help, IntSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(c -> c.call(value.getAsInt())).register(registry);
    }

    /** The label of {@code path}: itself for a known endpoint, else {@code other}. */
    static String endpoint(String path) {
        return ENDPOINTS.contains(path) ? path : "other";
    }

    /** Counts a finished request. */
    void record(AccessLog.Entry e) {
        String endpoint = endpoint(e.path());
        requests.labelValues(endpoint, Integer.toString(e.status())).inc();
        latency.labelValues(endpoint).observe(e.latencyMillis() / 1000.0);
        if (e.generated()) {
            promptTokens.inc(e.promptTokens());
            completionTokens.inc(e.completionTokens());
        }
        if (e.firstTokenMillis() >= 0) {
            firstToken.observe(e.firstTokenMillis() / 1000.0);
        }
    }

    /** Every metric in the text format. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }
}
