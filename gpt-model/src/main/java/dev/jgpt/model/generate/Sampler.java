package dev.jgpt.model.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one position's logits: argmax when greedy, otherwise temperature,
 * top-k and top-p filtering and a draw from the remaining distribution. Runs on the JVM so it is
 * identical on every engine and reproducible from the seed.
 */
final class Sampler {

    private final SamplingConfig config;
    private final Random random;

    Sampler(SamplingConfig config) {
        this.config = config;
        this.random = new Random(config.seed());
    }

    /** The next token id for {@code logits} (length V). */
    long next(float[] logits) {
        if (config.isGreedy()) {
            return argMax(logits);
        }
        int v = logits.length;
        double[] scaled = new double[v];
        for (int i = 0; i < v; i++) {
            scaled[i] = logits[i] / (double) config.temperature();
        }
        if (config.topK() > 0 && config.topK() < v) {
            // threshold: the k-th largest value; ties with it are kept, as torch.topk + "< min" does
            double kth = kthLargest(scaled, config.topK());
            for (int i = 0; i < v; i++) {
                if (scaled[i] < kth) {
                    scaled[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scaled) {
            max = Math.max(max, s);
        }
        double[] probs = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            probs[i] = Math.exp(scaled[i] - max);
            sum += probs[i];
        }
        for (int i = 0; i < v; i++) {
            probs[i] /= sum;
        }
        if (config.topP() < 1f) {
            // only tokens with some probability can be in the nucleus (after top-k, a handful):
            // ordering just those, by probability then id, keeps the full sort's nucleus
            int candidates = 0;
            for (double q : probs) {
                if (q > 0) {
                    candidates++;
                }
            }
            Integer[] order = new Integer[candidates];
            for (int i = 0, n = 0; i < v; i++) {
                if (probs[i] > 0) {
                    order[n++] = i;
                }
            }
            final double[] p = probs;
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double cumulative = 0;
            int keep = 0;
            while (keep < candidates && cumulative < config.topP()) {
                cumulative += probs[order[keep]];
                keep++;
            }
            double kept = 0;
            boolean[] inNucleus = new boolean[v];
            for (int i = 0; i < keep; i++) {
                inNucleus[order[i]] = true;
                kept += probs[order[i]];
            }
            for (int i = 0; i < v; i++) {
                probs[i] = inNucleus[i] ? probs[i] / kept : 0;
            }
        }
        double u = random.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < v; i++) {
            if (probs[i] > 0) {
                acc += probs[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    /**
     * The {@code k}-th largest of {@code values} (1 <= k < length), by a min-heap of the {@code
     * k} largest: O(V log k) instead of sorting the whole vocabulary for every token.
     */
    static double kthLargest(double[] values, int k) {
        double[] heap = Arrays.copyOf(values, k);
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, k);
        }
        for (int i = k; i < values.length; i++) {
            if (values[i] > heap[0]) {
                heap[0] = values[i];
                siftDown(heap, 0, k);
            }
        }
        return heap[0];
    }

    private static void siftDown(double[] heap, int i, int n) {
        while (true) {
            int smallest = i;
            int l = 2 * i + 1;
            int r = l + 1;
            if (l < n && heap[l] < heap[smallest]) {
                smallest = l;
            }
            if (r < n && heap[r] < heap[smallest]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            double t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }

    static long argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
