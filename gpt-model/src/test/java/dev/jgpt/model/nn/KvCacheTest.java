package dev.jgpt.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.model.testing.FloatArrays;
import org.junit.jupiter.api.Test;

/**
 * The cache holds what was appended, in order, across the reallocations that grow it; it never
 * allocates more than it was asked to hold (doubling from {@value KvCache#MIN_POSITIONS}), nor
 * past its capacity.
 */
class KvCacheTest {

    @Test
    void growsByDoublingAndKeepsEveryCachedPosition() {
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = new KvCache(m, 1, 300)) {
            float[] want = new float[0];
            int written = 0;
            boolean refused = false;
            for (int step = 0; step < 60; step++) {
                int t = step == 0 ? 5 : 7; // positions this step
                float[] k = new float[2 * t * 3];
                for (int i = 0; i < k.length; i++) {
                    k[i] = written * 1000 + i;
                }
                if (written + t > 300) {
                    int full = written + t;
                    assertThatThrownBy(() -> cache.layer(0).append(m.create(k, new Shape(1, 2, t, 3)),
                            m.create(k, new Shape(1, 2, t, 3)))).hasMessageContaining("KV cache holds 300 positions; "
                                    + full + " requested");
                    refused = true;
                    break;
                }
                NDArray[] kv = cache.layer(0).append(m.create(k, new Shape(1, 2, t, 3)), m.create(k, new Shape(1, 2, t, 3)));
                want = concatAlongTime(want, written, k, t);
                written += t;
                cache.advance(t);
                assertThat(kv[0].getShape()).isEqualTo(new Shape(1, 2, written, 3));
                FloatArrays.assertBitEqual(kv[0].toFloatArray(), want);
                FloatArrays.assertBitEqual(kv[1].toFloatArray(), want);
                long allocated = cache.allocated(0);
                assertThat(allocated).isGreaterThanOrEqualTo(written).isLessThanOrEqualTo(300)
                        .isLessThanOrEqualTo(Math.max(KvCache.MIN_POSITIONS, 2L * written));
            }
            assertThat(refused).isTrue();
            assertThat(cache.allocated(0)).isEqualTo(300); // 64, 128, 256, then the capacity
        }
    }

    /**
     * Rows join right-aligned on one timeline (zeros in front of the shorter side) and leave with
     * the shared front padding dropped; every kept value stays where its row's positions say.
     */
    @Test
    void rowsMergeRightAlignedAndRetainKeepsTheirPositions() {
        try (NDManager m = NDManager.newBaseManager(); KvCache a = new KvCache(m, 1, 50);
                KvCache b = new KvCache(m, 1, 50)) {
            fill(m, a, 2, 3, 100); // rows 0..1, 3 positions
            fill(m, b, 1, 5, 200); // one row, 5 positions
            assertThat(a.merge(b)).isEqualTo(2); // a's rows now start at position 2
            assertThat(a.rows()).isEqualTo(3);
            assertThat(a.length()).isEqualTo(5);
            float[][][] want = {
                {{0, 0}, {0, 0}, {100, 101}, {102, 103}, {104, 105}},
                {{0, 0}, {0, 0}, {110, 111}, {112, 113}, {114, 115}},
                {{200, 201}, {202, 203}, {204, 205}, {206, 207}, {208, 209}},
            };
            assertCached(m, a, want);
            a.retain(new int[] {0, 1}, 2); // row 2 leaves: the two zero positions in front go too
            assertThat(a.rows()).isEqualTo(2);
            assertThat(a.length()).isEqualTo(3);
            assertCached(m, a, new float[][][] {java.util.Arrays.copyOfRange(want[0], 2, 5),
                java.util.Arrays.copyOfRange(want[1], 2, 5)});
            a.retain(new int[] {1}, 0);
            assertCached(m, a, new float[][][] {java.util.Arrays.copyOfRange(want[1], 2, 5)});
            a.retain(new int[0], 0);
            assertThat(a.rows()).isZero();
            assertThat(a.length()).isZero();
            assertThat(a.merge(b)).isZero(); // into an empty cache: a copy of b
            assertCached(m, a, new float[][][] {want[2]});
            assertThatThrownBy(() -> a.retain(new int[] {0}, 6)).hasMessageContaining("Cannot drop 6 of 5");
        }
    }

    /** Appends {@code t} positions to {@code rows} rows of one head of width 2: row r, position p = base + 10r + 2p. */
    private static void fill(NDManager m, KvCache cache, int rows, int t, int base) {
        float[] k = new float[rows * t * 2];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < t; p++) {
                k[(r * t + p) * 2] = base + 10 * r + 2 * p;
                k[(r * t + p) * 2 + 1] = base + 10 * r + 2 * p + 1;
            }
        }
        cache.layer(0).append(m.create(k, new Shape(rows, 1, t, 2)), m.create(k, new Shape(rows, 1, t, 2)));
        cache.advance(t);
    }

    /** What a next append sees of the cached positions, row by row, keys and values alike. */
    private static void assertCached(NDManager m, KvCache cache, float[][][] rows) {
        int b = rows.length;
        int length = rows[0].length;
        assertThat(cache.length()).isEqualTo(length);
        float[] want = new float[b * (length + 1) * 2];
        for (int r = 0; r < b; r++) {
            for (int p = 0; p < length; p++) {
                want[(r * (length + 1) + p) * 2] = rows[r][p][0];
                want[(r * (length + 1) + p) * 2 + 1] = rows[r][p][1];
            }
        }
        NDArray[] kv = cache.layer(0).append(m.zeros(new Shape(b, 1, 1, 2)), m.zeros(new Shape(b, 1, 1, 2)));
        FloatArrays.assertBitEqual(kv[0].toFloatArray(), want);
        FloatArrays.assertBitEqual(kv[1].toFloatArray(), want);
    }

    /** {@code (1, 2, a, 3)} followed by {@code (1, 2, t, 3)} along the time axis. */
    private static float[] concatAlongTime(float[] old, int a, float[] add, int t) {
        float[] out = new float[2 * (a + t) * 3];
        for (int h = 0; h < 2; h++) {
            System.arraycopy(old, h * a * 3, out, h * (a + t) * 3, a * 3);
            System.arraycopy(add, h * t * 3, out, h * (a + t) * 3 + a * 3, t * 3);
        }
        return out;
    }
}
