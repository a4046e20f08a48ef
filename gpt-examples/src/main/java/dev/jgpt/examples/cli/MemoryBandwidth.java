package dev.jgpt.examples.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;

/**
 * The machine's memory read bandwidth, measured the way a decode step uses memory: a sum over an
 * fp32 array several times larger than the last-level cache, so every byte comes from DRAM.
 * Two readers: the engine ({@code NDArray.sum()} on the device, the engine's own threads) and
 * plain Java (one thread per available core, each summing its slice with eight independent
 * accumulators). Each is the best of a few repetitions, in bytes read per second.
 */
final class MemoryBandwidth {

    /** One reader's figure. */
    record Reading(String what, double bytesPerSecond) {
        double gbPerSecond() {
            return bytesPerSecond / 1e9;
        }
    }

    private MemoryBandwidth() {}

    /** {@code NDArray.sum()} over {@code bytes} of fp32 on {@code device}, best of {@code reps}. */
    static Reading engine(NDManager parent, Device device, long bytes, int reps) {
        long n = bytes / Float.BYTES;
        try (NDManager scope = parent.newSubManager(device)) {
            NDArray a = scope.ones(new Shape(n), DataType.FLOAT32, device);
            long best = bestNanos(reps, a::sum);
            return new Reading(String.format(Locale.ROOT, "engine NDArray.sum() over %d MiB fp32 on %s",
                    bytes >> 20, device), n * (double) Float.BYTES / (best / 1e9));
        }
    }

    /**
     * The engine's matrix-vector product, the kernel of a batch-1 decode step: a {@code (1, cols)}
     * row times a {@code (rows, cols)} fp32 matrix of {@code bytes} (as {@code Linear} computes
     * it; {@code cols} the model's hidden size, since the kernel's speed depends on the width),
     * best of {@code reps}, in matrix bytes read per second. What a decode step can reach at most
     * on this engine, below the reduction's bandwidth when its kernel streams slower.
     */
    static Reading engineMatVec(NDManager parent, Device device, long bytes, int cols, int reps) {
        long rows = Math.max(1, bytes / ((long) cols * Float.BYTES));
        try (NDManager scope = parent.newSubManager(device)) {
            NDArray w = scope.ones(new Shape(rows, cols), DataType.FLOAT32, device);
            NDArray x = scope.ones(new Shape(1, cols), DataType.FLOAT32, device);
            long best = bestNanos(reps, () -> ai.djl.nn.core.Linear.linear(x, w, null).singletonOrThrow());
            return new Reading(String.format(Locale.ROOT, "engine (1, %d) x (%d, %d)^T fp32 product on %s", cols, rows,
                    cols, device), rows * (double) cols * Float.BYTES / (best / 1e9));
        }
    }

    /**
     * The fastest of {@code reps} runs of {@code op} in nanoseconds, after one run that warms up
     * (first touch of the pages); each result is read, so the time covers the whole operation,
     * and closed.
     */
    private static long bestNanos(int reps, java.util.function.Supplier<NDArray> op) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r <= reps; r++) {
            long t0 = System.nanoTime();
            try (NDArray y = op.get()) {
                y.getFloat(new long[y.getShape().dimension()]); // waits for the result
            }
            if (r > 0) {
                best = Math.min(best, System.nanoTime() - t0);
            }
        }
        return best;
    }

    /** Plain Java: {@code threads} threads summing {@code bytes} of floats, best of {@code reps}. */
    static Reading java(long bytes, int threads, int reps) {
        int n = (int) Math.min(bytes / Float.BYTES, Integer.MAX_VALUE - 8);
        float[] a = new float[n];
        Arrays.fill(a, 0.5f);
        double[] sink = new double[threads];
        long best = Long.MAX_VALUE;
        for (int r = 0; r <= reps; r++) { // the first is a warm-up (JIT, page faults)
            Thread[] workers = new Thread[threads];
            long t0 = System.nanoTime();
            for (int w = 0; w < threads; w++) {
                int id = w;
                int from = (int) ((long) n * w / threads);
                int to = (int) ((long) n * (w + 1) / threads);
                workers[w] = new Thread(() -> sink[id] = sum(a, from, to));
                workers[w].start();
            }
            for (Thread t : workers) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while measuring bandwidth", e);
                }
            }
            long elapsed = System.nanoTime() - t0;
            if (r > 0) {
                best = Math.min(best, elapsed);
            }
        }
        double total = Arrays.stream(sink).sum();
        if (!(total > 0)) { // uses the sums, so the JIT cannot drop the loops
            throw new IllegalStateException("Bandwidth probe summed " + total);
        }
        return new Reading(String.format(Locale.ROOT, "Java float[] sum over %d MiB on %d thread%s",
                ((long) n * Float.BYTES) >> 20, threads, threads == 1 ? "" : "s"),
                n * (double) Float.BYTES / (best / 1e9));
    }

    private static double sum(float[] a, int from, int to) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        double s = (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
        for (; i < to; i++) {
            s += a[i];
        }
        return s;
    }
}
