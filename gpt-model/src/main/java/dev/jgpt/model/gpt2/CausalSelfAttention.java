package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.Dropouts;
import dev.jgpt.model.nn.ForwardPass;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.Scalars;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * Causal multi-head self-attention, the efficient form: one fused query/key/value projection,
 * all heads in one batched matmul, a causal mask, softmax, attention dropout and an output
 * projection.
 *
 * <p>Shapes: input and output {@code (B, T, C)}; {@code c_attn} is {@code (3C, C)} producing
 * {@code [q | k | v]}, {@code c_proj} is {@code (C, C)}; inside, queries, keys and values are
 * {@code (B, H, T, D)} with {@code D = C / H}, and the attention weights {@code (B, H, T, T)}.
 */
public final class CausalSelfAttention extends UnaryBlock {

    private final int embedDim;
    private final int numHeads;
    private final float attnDrop;
    private final Linear cAttn;
    private final Linear cProj;

    /**
     * @param embedDim the width {@code C}
     * @param numHeads heads {@code H}; must divide {@code C}
     * @param qkvBias whether the fused qkv projection has a bias
     * @param attnDrop dropout on the attention weights while training
     * @param projStd initialisation std of the output projection
     */
    public CausalSelfAttention(
            int embedDim, int numHeads, boolean qkvBias, float attnDrop, float projStd) {
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException(
                    "embedDim " + embedDim + " is not divisible by numHeads " + numHeads);
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.attnDrop = attnDrop;
        cAttn = addChildBlock("c_attn", new Linear(embedDim, 3 * embedDim, qkvBias, 0.02f));
        cProj = addChildBlock("c_proj", new Linear(embedDim, embedDim, true, projStd));
    }

    /** The fused query/key/value projection {@code C -> 3C}. */
    public Linear cAttn() {
        return cAttn;
    }

    /** The output projection {@code C -> C}. */
    public Linear cProj() {
        return cProj;
    }

    /** {@code (B, T, C) -> (B, T, C)}: a plain pass (no cache, no padding) over {@code x} alone. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, new ForwardPass(ForwardState.of(training), x), 0);
    }

    /**
     * {@code (B, T, C) -> (B, T, C)} within {@code pass}: attending also to the keys and values
     * already in its cache (the new tokens sit at positions {@code pass.offset() ..}) and
     * appending the new ones, under the pass's mask.
     *
     * @param layer this block's index in the cache
     */
    public NDArray forward(ParameterStore ps, NDArray x, ForwardPass pass, int layer) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        boolean training = pass.isTraining();
        NDList qkv = cAttn.forward(ps, x, training).split(3, 2);
        NDArray q = heads(qkv.get(0), b, t);
        NDArray[] kv = pass.keysAndValues(layer, heads(qkv.get(1), b, t), heads(qkv.get(2), b, t));
        NDArray context = attend(q, kv[0], kv[1], pass.mask(), training);
        return cProj.forward(ps, mergeHeads(context, b, t), training);
    }

    /**
     * Scaled dot-product attention under an additive mask.
     *
     * @param q queries {@code (B, H, Tq, D)}
     * @param k keys {@code (B, H, Tk, D)}
     * @param v values {@code (B, H, Tk, D)}
     * @param mask additive, broadcastable onto {@code (B, H, Tq, Tk)} (see {@link ForwardPass#mask})
     * @return {@code (B, H, Tq, D)}
     */
    NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, boolean training) {
        float scale = (float) (1.0 / Math.sqrt(embedDim / (double) numHeads));
        NDArray scores = Scalars.mul(q, scale).matMul(k.transpose(0, 1, 3, 2)); // (B, H, Tq, Tk)
        NDArray weights = Dropouts.apply(scores.add(mask).softmax(3), attnDrop, training);
        return weights.matMul(v);
    }

    /** {@code (B, T, C) -> (B, H, T, D)}. */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, numHeads, embedDim / numHeads).transpose(0, 2, 1, 3);
    }

    /** {@code (B, H, T, D) -> (B, T, C)}. */
    private NDArray mergeHeads(NDArray x, long b, long t) {
        return x.transpose(0, 2, 1, 3).reshape(b, t, embedDim);
    }



    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        cAttn.initialize(manager, dataType, shapes[0]);
        cProj.initialize(manager, dataType, shapes[0]);
    }
}
