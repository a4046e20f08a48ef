package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.Dropouts;
import dev.jgpt.model.nn.ForwardPass;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.LayerNorm;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * One pre-norm GPT-2 block: {@code x + drop(attn(ln_1(x)))}, then {@code x + drop(mlp(ln_2(x)))}.
 *
 * <p>Shapes: input and output {@code (B, T, C)}. Children are named as in GPT-2's {@code h.N}:
 * {@code ln_1}, {@code attn}, {@code ln_2}, {@code mlp}.
 */
public final class TransformerBlock extends UnaryBlock {

    private final float residDrop;
    private final LayerNorm ln1;
    private final CausalSelfAttention attn;
    private final LayerNorm ln2;
    private final FeedForward mlp;

    /** A block shaped by {@code config}. */
    public TransformerBlock(GptConfig config) {
        int c = config.embedDim();
        // GPT-2 scales the init of each residual projection by 1/sqrt(2 * layers).
        float projStd = (float) (0.02 / Math.sqrt(2.0 * config.numLayers()));
        residDrop = config.dropRate();
        ln1 = addChildBlock("ln_1", new LayerNorm(c, config.layerNormEps()));
        attn =
                addChildBlock(
                        "attn",
                        new CausalSelfAttention(
                                c, config.numHeads(), config.qkvBias(), config.dropRate(), projStd));
        ln2 = addChildBlock("ln_2", new LayerNorm(c, config.layerNormEps()));
        mlp = addChildBlock("mlp", new FeedForward(c, projStd));
    }

    /** The norm before attention. */
    public LayerNorm ln1() {
        return ln1;
    }

    /** The attention sub-layer. */
    public CausalSelfAttention attn() {
        return attn;
    }

    /** The norm before the feed-forward network. */
    public LayerNorm ln2() {
        return ln2;
    }

    /** The feed-forward sub-layer. */
    public FeedForward mlp() {
        return mlp;
    }

    /** {@code (B, T, C) -> (B, T, C)}: a plain pass (no cache, no padding). */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, new ForwardPass(ForwardState.of(training), x), 0);
    }

    /** {@code (B, T, C) -> (B, T, C)} within {@code pass}, as layer {@code layer} of the cache. */
    public NDArray forward(ParameterStore ps, NDArray x, ForwardPass pass, int layer) {
        boolean training = pass.isTraining();
        NDArray a = attn.forward(ps, ln1.forward(ps, x, training), pass, layer);
        x = x.add(Dropouts.apply(a, residDrop, training));
        NDArray m = mlp.forward(ps, ln2.forward(ps, x, training), training);
        return x.add(Dropouts.apply(m, residDrop, training));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        ln1.initialize(manager, dataType, shapes[0]);
        attn.initialize(manager, dataType, shapes[0]);
        ln2.initialize(manager, dataType, shapes[0]);
        mlp.initialize(manager, dataType, shapes[0]);
    }
}
