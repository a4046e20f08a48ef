package dev.jgpt.examples.serve;

import java.time.Instant;

/**
 * One line per request, written when its response ends: what an operator greps for when a client
 * says "it was slow" or "it failed". The server's default writes each {@link Entry#line()} to the
 * SLF4J logger {@value #LOGGER} at INFO; tests pass their own to see the entries.
 */
@FunctionalInterface
public interface AccessLog {

    /** The SLF4J logger of the default access log. */
    String LOGGER = "dev.jgpt.serve.access";

    /** Receives one finished request. Called on a server thread: must not block. */
    void log(Entry entry);

    /** The default: {@link Entry#line()} at INFO on the logger {@value #LOGGER}. */
    static AccessLog slf4j() {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LOGGER);
        return entry -> {
            if (log.isInfoEnabled()) {
                log.info(entry.line());
            }
        };
    }

    /**
     * A finished request.
     *
     * @param time when the request began
     * @param method the HTTP method
     * @param path the path as error messages show client text: printable, at most 80 characters
     * @param status the response status (200 for a stream the client left)
     * @param promptTokens prompt tokens of a generation, else -1
     * @param completionTokens tokens generated, else -1
     * @param latencyMillis from the request's first byte to the response's last
     * @param firstTokenMillis to the first streamed token, else -1
     */
    record Entry(Instant time, String method, String path, int status, int promptTokens, int completionTokens,
            long latencyMillis, long firstTokenMillis) {

        /** Whether a generation ran (and so the token counts are known). */
        public boolean generated() {
            return promptTokens >= 0;
        }

        /**
         * {@code 2025-01-02T03:04:05.678Z POST /v1/completions 200 prompt_tokens=5 completion_tokens=16
         * latency_ms=123 ttft_ms=12}: the tokens only where a generation ran, the time to first token
         * only for streams.
         */
        public String line() {
            StringBuilder sb = new StringBuilder(120);
            sb.append(time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)).append(' ').append(method).append(' ').append(path).append(' ').append(status);
            if (generated()) {
                sb.append(" prompt_tokens=").append(promptTokens).append(" completion_tokens=").append(completionTokens);
            }
            sb.append(" latency_ms=").append(latencyMillis);
            if (firstTokenMillis >= 0) {
                sb.append(" ttft_ms=").append(firstTokenMillis);
            }
            return sb.toString();
        }
    }
}
