package dev.jgpt.examples.serve;

import java.time.Duration;

/**
 * What one client may hold of the server, so that slow or hostile clients cannot take it from the
 * others: a connection that sends nothing for {@code readTimeout} is closed (Jetty reads request
 * heads without a thread, so the silent ones cost a socket, not a worker), a request body must
 * arrive whole within {@code readTimeout} (else 408), and at most {@code maxConnections} are open
 * at once (the next ones wait in the operating system's accept queue until one closes).
 *
 * @param readTimeout how long a connection may stay silent, and the most a request body may take
 * @param maxConnections open connections at most
 */
public record HttpLimits(Duration readTimeout, int maxConnections) {

    /** {@code jgpt serve}'s defaults: 10 s and 256 connections. */
    public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(10), 256);

    /** Checks the bounds. */
    public HttpLimits {
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("The read timeout must be positive, got " + readTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
        }
    }
}
