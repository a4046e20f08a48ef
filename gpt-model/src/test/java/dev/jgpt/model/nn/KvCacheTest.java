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
