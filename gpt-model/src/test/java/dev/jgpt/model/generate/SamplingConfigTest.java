package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SamplingConfigTest {

    @Test
    void invalidSettingsAreRejectedByName() {
        assertThatThrownBy(() -> new SamplingConfig(10, -0.5f, 0, 1f, -1, 0))
                .hasMessageContaining("temperature must be a number >= 0").hasMessageContaining("-0.5");
        assertThatThrownBy(() -> new SamplingConfig(10, Float.NaN, 0, 1f, -1, 0))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingConfig(10, 1f, -3, 1f, -1, 0))
                .hasMessageContaining("topK must be >= 1").hasMessageContaining("-3");
        assertThatThrownBy(() -> new SamplingConfig(10, 1f, 0, 0f, -1, 0))
                .hasMessageContaining("topP must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> new SamplingConfig(10, 1f, 0, 1.5f, -1, 0))
                .hasMessageContaining("topP");
        assertThatThrownBy(() -> new SamplingConfig(-1, 1f, 0, 1f, -1, 0))
                .hasMessageContaining("maxNewTokens must be >= 0, got -1");
    }

    @Test
    void endIdsAreASortedSetAndNegativeOnesAreRejected() {
        SamplingConfig c = SamplingConfig.greedy(5).withEndIds(128009, 128001, 128009);
        assertThat(c.endIds()).containsExactly(128001, 128009);
        assertThat(c.isEnd(128009)).isTrue();
        assertThat(c.isEnd(50256)).isFalse();
        assertThat(SamplingConfig.greedy(5).endIds()).isEmpty();
        assertThat(SamplingConfig.greedy(5).withEndOfText(-1).endIds()).isEmpty();
        assertThat(c).isEqualTo(SamplingConfig.greedy(5).withEndIds(128001, 128009));
        assertThatThrownBy(() -> SamplingConfig.greedy(5).withEndIds(-2))
                .hasMessageContaining("end ids must be >= 0");
    }

    @Test
    void topKOfOneAndATinyNucleusAreGreedy() {
        float[] logits = {0.1f, 2.5f, 2.4f, -1f, 0f};
        for (long seed = 0; seed < 20; seed++) {
            assertThat(new Sampler(new SamplingConfig(1, 1f, 1, 1f, -1, seed)).next(logits)).isEqualTo(1);
            assertThat(new Sampler(new SamplingConfig(1, 1f, 0, 1e-6f, -1, seed)).next(logits)).isEqualTo(1);
        }
        assertThat(new Sampler(SamplingConfig.greedy(1)).next(logits)).isEqualTo(1);
    }

    @Test
    void samplesFollowTheSoftmaxOfScaledLogits() {
        float[] logits = {0f, (float) Math.log(3), Float.NEGATIVE_INFINITY};
        Sampler t1 = new Sampler(new SamplingConfig(1, 1f, 0, 1f, -1, 42));
        int ones = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            long id = t1.next(logits);
            assertThat(id).isNotEqualTo(2);
            ones += id == 1 ? 1 : 0;
        }
        assertThat(ones / (double) n).isCloseTo(0.75, within(0.015));
        // temperature 2 flattens 3:1 to sqrt(3):1, i.e. p = 0.634
        Sampler t2 = new Sampler(new SamplingConfig(1, 2f, 0, 1f, -1, 42));
        ones = 0;
        for (int i = 0; i < n; i++) {
            ones += t2.next(logits) == 1 ? 1 : 0;
        }
        assertThat(ones / (double) n).isCloseTo(Math.sqrt(3) / (1 + Math.sqrt(3)), within(0.015));
    }

    @Test
    void topKAndTopPRemoveTheTail() {
        float[] logits = {3f, 2f, 1f, 0f};
        Sampler topK2 = new Sampler(new SamplingConfig(1, 1f, 2, 1f, -1, 7));
        Sampler topP = new Sampler(new SamplingConfig(1, 1f, 0, 0.8f, -1, 7)); // p = .64,.24,.09,.03
        for (int i = 0; i < 2000; i++) {
            assertThat(topK2.next(logits)).isIn(0L, 1L);
            assertThat(topP.next(logits)).isIn(0L, 1L);
        }
    }

    /** The heap's k-th largest equals the sorted array's, ties included. */
    @org.junit.jupiter.api.Test
    void theKthLargestIsTheSortedArraysKth() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + r.nextInt(300);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextInt(4) == 0 ? 1.5 : r.nextInt(20) - 10; // many ties
            }
            int k = 1 + r.nextInt(n - 1);
            double[] sorted = v.clone();
            java.util.Arrays.sort(sorted);
            assertThat(Sampler.kthLargest(v, k)).as("n %d, k %d", n, k).isEqualTo(sorted[n - k]);
        }
    }
}
