package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.nn.ForwardPass;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.Scalars;

/**
 * Grouped-query attention as Llama and Qwen3 compute it: {@code H} query heads and {@code Hkv}
 * key/value heads of width {@code D} (which may differ from {@code C / H}, as in Qwen3), each
 * key/value head shared by {@code H / Hkv} consecutive query heads; optional per-head RMSNorm
 * of queries and keys (Qwen3's {@code q_norm}, {@code k_norm}) before the rotary embedding;
 * scale {@code 1/sqrt(D)}; the pass's causal (and padding) mask; the cache holds the {@code Hkv}
 * heads only.
 *
 * <p>Shapes: {@code (B, T, C) -> (B, T, C)}; {@code q_proj} {@code (H D, C)}, {@code k_proj} and
 * {@code v_proj} {@code (Hkv D, C)}, {@code o_proj} {@code (C, H D)}.
 */
public final class GroupedQueryAttention extends AbstractBlock {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;

    /**
     * @param qkNorm whether queries and keys are RMS-normalised per head (Qwen3)
     * @param bias whether the projections have biases ({@code attention_bias})
     */
    public GroupedQueryAttention(int hidden, int heads, int kvHeads, int headDim, boolean qkNorm, float eps,
            boolean bias, float std) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        q = addChildBlock("q_proj", new Linear(hidden, heads * headDim, bias, std));
        k = addChildBlock("k_proj", new Linear(hidden, kvHeads * headDim, bias, std));
        v = addChildBlock("v_proj", new Linear(hidden, kvHeads * headDim, bias, std));
        o = addChildBlock("o_proj", new Linear(heads * headDim, hidden, false, std));
        qNorm = qkNorm ? addChildBlock("q_norm", new RmsNorm(headDim, eps)) : null;
        kNorm = qkNorm ? addChildBlock("k_norm", new RmsNorm(headDim, eps)) : null;
    }

    /** The projections: {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}. */
    public Linear q() {
        return q;
    }

    /** {@code k_proj}. */
    public Linear k() {
        return k;
    }

    /** {@code v_proj}. */
    public Linear v() {
        return v;
    }

    /** {@code o_proj}. */
    public Linear o() {
        return o;
    }

    /** {@code q_norm}, or {@code null}. */
    public RmsNorm qNorm() {
        return qNorm;
    }

    /** {@code k_norm}, or {@code null}. */
    public RmsNorm kNorm() {
        return kNorm;
    }

    /**
     * {@code (B, T, C) -> (B, T, C)} within {@code pass}, the new tokens rotated by {@code
     * cosSin} (from {@link RotaryEmbedding#cosSin}) and appended to layer {@code layer}'s cache.
     */
    public NDArray forward(ParameterStore ps, NDArray x, ForwardPass pass, int layer, NDArray[] cosSin) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        boolean training = pass.isTraining();
        NDArray qh = heads(q.forward(ps, x, training), b, t, heads);
        NDArray kh = heads(k.forward(ps, x, training), b, t, kvHeads);
        NDArray vh = heads(v.forward(ps, x, training), b, t, kvHeads);
        if (qNorm != null) {
            qh = qNorm.forward(ps, qh, training);
            kh = kNorm.forward(ps, kh, training);
        }
        qh = RotaryEmbedding.apply(qh, cosSin);
        kh = RotaryEmbedding.apply(kh, cosSin);
        NDArray[] kv = pass.keysAndValues(layer, kh, vh);
        NDArray keys = kv[0];
        NDArray values = kv[1];
        long tk = keys.getShape().get(2);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // the G = H / Hkv query heads of each key/value head attend as one group: (B, Hkv, G Tq, D)
        // against that head's keys, so the cache is read in place instead of copied G times
        // (repeat_interleave of the whole cache cost more than the layer's matmuls at 100 positions)
        NDArray grouped = group(Scalars.mul(qh, scale), b, t);
        NDArray scores = grouped.matMul(keys.transpose(0, 1, 3, 2)).reshape(b, heads, t, tk); // (B, H, Tq, Tk)
        NDArray weights = group(scores.add(pass.mask()).softmax(3), b, t); // (B, Hkv, G Tq, Tk)
        NDArray context = weights.matMul(values).reshape(b, heads, t, headDim); // (B, H, Tq, D)
        long width = (long) heads * headDim;
        // with one token (a decode step) (B, H, 1, D) and (B, 1, H, D) share a layout: one op, not two
        NDArray merged = t == 1 ? context.reshape(b, t, width) : context.transpose(0, 2, 1, 3).reshape(b, t, width);
        return o.forward(ps, merged, training);
    }

    /** {@code (B, H, T, X) -> (B, Hkv, G T, X)}: query head {@code h} is row group {@code h % G} of kv head {@code h / G}. */
    private NDArray group(NDArray x, long b, long t) {
        return heads == kvHeads ? x : x.reshape(b, kvHeads, (heads / kvHeads) * t, x.getShape().get(3));
    }

    /** {@code (B, T, n D) -> (B, n, T, D)}. */
    private NDArray heads(NDArray x, long b, long t, int n) {
        return t == 1 ? x.reshape(b, n, t, headDim) : x.reshape(b, t, n, headDim).transpose(0, 2, 1, 3);
    }

    @Override
    protected ai.djl.ndarray.NDList forwardInternal(ParameterStore ps, ai.djl.ndarray.NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("Called by its decoder block with a ForwardPass and rotary angles");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape x = shapes[0];
        q.initialize(manager, dataType, x);
        k.initialize(manager, dataType, x);
        v.initialize(manager, dataType, x);
        o.initialize(manager, dataType, x.slice(0, x.dimension() - 1).add((long) heads * headDim));
        if (qNorm != null) {
            qNorm.initialize(manager, dataType, new Shape(headDim));
            kNorm.initialize(manager, dataType, new Shape(headDim));
        }
    }
}
