package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;

/**
 * Rotary position embeddings in HF's split-halves layout: the first and second halves of each
 * head's {@code D} features are the two coordinates rotated, {@code x * cos + rotate_half(x) *
 * sin} with {@code rotate_half(x) = (-x2, x1)}. The inverse frequencies {@code theta^(-2i/D)}
 * are computed once, optionally rescaled the way Llama 3 does ({@code rope_type: llama3}).
 */
public final class RotaryEmbedding {

    /**
     * Llama 3's frequency rescaling (HF {@code _compute_llama3_parameters}).
     *
     * @param factor how much longer the context is than in pretraining
     * @param lowFreqFactor low-frequency wavelength bound, in original contexts
     * @param highFreqFactor high-frequency wavelength bound, in original contexts
     * @param originalContext {@code original_max_position_embeddings}
     */
    public record Llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor, int originalContext) {}

    private final int headDim;
    private final float[] inverseFrequencies;

    /**
     * @param headDim the width {@code D} of one head (even)
     * @param theta {@code rope_theta}
     * @param scaling Llama 3's rescaling, or {@code null}
     */
    public RotaryEmbedding(int headDim, double theta, Llama3Scaling scaling) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("Rotary embeddings need an even head_dim, got " + headDim);
        }
        this.headDim = headDim;
        int half = headDim / 2;
        inverseFrequencies = new float[half];
        for (int i = 0; i < half; i++) {
            // as HF: base ** (arange(0, D, 2).float() / D), in fp32
            float exponent = (float) (2 * i) / headDim;
            float inv = (float) (1.0 / Math.pow(theta, exponent));
            inverseFrequencies[i] = scaling == null ? inv : scale(inv, scaling);
        }
    }

    private static float scale(float inv, Llama3Scaling s) {
        double lowFreqWavelen = s.originalContext() / s.lowFreqFactor();
        double highFreqWavelen = s.originalContext() / s.highFreqFactor();
        double wavelen = 2 * Math.PI / inv;
        if (wavelen > lowFreqWavelen) {
            return (float) (inv / s.factor());
        }
        if (wavelen < highFreqWavelen) {
            return inv;
        }
        double smooth = (s.originalContext() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        return (float) ((1 - smooth) * inv / s.factor() + smooth * inv);
    }

    /**
     * Cosines and signed sines for {@code t} positions from {@code offset}, each {@code (T, D)},
     * or for explicit {@code positions} {@code (B, T)} (a left-padded batch), each {@code (B, 1,
     * T, D)}. The sines' first half is negated ({@code [-sin, sin]}), which {@link #apply}
     * expects: {@code x2 * -sin} is exactly {@code -x2 * sin}.
     */
    public NDArray[] cosSin(NDManager manager, int offset, int t, NDArray positions) {
        long[] pos;
        long rows;
        if (positions == null) {
            pos = new long[t];
            for (int i = 0; i < t; i++) {
                pos[i] = offset + i;
            }
            rows = 1;
        } else {
            pos = positions.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
            rows = positions.getShape().get(0);
        }
        int half = headDim / 2;
        float[] cos = new float[pos.length * headDim];
        float[] sin = new float[pos.length * headDim];
        for (int p = 0; p < pos.length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = pos[p] * inverseFrequencies[i]; // fp32, as HF's outer product
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = -s; // the sign of rotate_half's -x2, so apply needs no neg
                sin[p * headDim + half + i] = s;
            }
        }
        NDArray c = manager.create(cos);
        NDArray s = manager.create(sin);
        if (positions == null) {
            return new NDArray[] {c.reshape(t, headDim), s.reshape(t, headDim)};
        }
        return new NDArray[] {c.reshape(rows, 1, t, headDim), s.reshape(rows, 1, t, headDim)};
    }

    /**
     * Rotates {@code x} {@code (B, H, T, D)} by {@code cosSin} from {@link #cosSin}.
     *
     * @return {@code (B, H, T, D)}
     */
    public static NDArray apply(NDArray x, NDArray[] cosSin) {
        long d = x.getShape().get(3);
        ai.djl.ndarray.NDList halves = x.split(new long[] {d / 2}, 3); // one op for x1 and x2
        NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(halves.get(1), halves.get(0)), 3);
        NDArray cos = cosSin[0].toType(x.getDataType(), false); // no-ops when the types agree
        NDArray sin = cosSin[1].toType(x.getDataType(), false);
        return x.mul(cos).add(rotated.mul(sin)); // x * cos + (-x2, x1) * sin, with the sign in sin
    }
}
