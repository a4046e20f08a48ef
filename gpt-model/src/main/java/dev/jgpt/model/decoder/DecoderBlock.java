package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.nn.ForwardPass;

/**
 * A pre-norm decoder block of Llama and Qwen3: {@code x = x + attn(norm1(x)); x = x +
 * mlp(norm2(x))}, children named as in HF ({@code input_layernorm}, {@code self_attn}, {@code
 * post_attention_layernorm}, {@code mlp}). Shapes: {@code (B, T, C) -> (B, T, C)}.
 */
public final class DecoderBlock extends AbstractBlock {

    private final RmsNorm inputNorm;
    private final GroupedQueryAttention attention;
    private final RmsNorm postAttentionNorm;
    private final SwiGluFeedForward mlp;

    /** The blocks for {@code config}; nothing allocated yet. */
    public DecoderBlock(DecoderConfig config) {
        float std = config.initializerRange();
        inputNorm = addChildBlock("input_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        attention = addChildBlock("self_attn", new GroupedQueryAttention(config.hiddenSize(), config.numHeads(),
                config.numKvHeads(), config.headDim(), config.qkNorm(), config.rmsNormEps(), config.attentionBias(),
                std));
        postAttentionNorm = addChildBlock("post_attention_layernorm",
                new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        mlp = addChildBlock("mlp", new SwiGluFeedForward(config.hiddenSize(), config.intermediateSize(), std));
    }

    /** {@code input_layernorm}. */
    public RmsNorm inputNorm() {
        return inputNorm;
    }

    /** {@code self_attn}. */
    public GroupedQueryAttention attention() {
        return attention;
    }

    /** {@code post_attention_layernorm}. */
    public RmsNorm postAttentionNorm() {
        return postAttentionNorm;
    }

    /** {@code mlp}. */
    public SwiGluFeedForward mlp() {
        return mlp;
    }

    /** One block within {@code pass}, layer {@code layer} of the cache, positions rotated by {@code cosSin}. */
    public NDArray forward(ParameterStore ps, NDArray x, ForwardPass pass, int layer, NDArray[] cosSin) {
        boolean training = pass.isTraining();
        x = x.add(attention.forward(ps, inputNorm.forward(ps, x, training), pass, layer, cosSin));
        return x.add(mlp.forward(ps, postAttentionNorm.forward(ps, x, training), training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        throw new UnsupportedOperationException("Called by its model with a ForwardPass and rotary angles");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        inputNorm.initialize(manager, dataType, shapes);
        attention.initialize(manager, dataType, shapes);
        postAttentionNorm.initialize(manager, dataType, shapes);
        mlp.initialize(manager, dataType, shapes);
    }
}
