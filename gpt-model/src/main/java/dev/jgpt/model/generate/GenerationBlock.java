package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.nn.CausalLm;

/**
 * A block whose forward pass is a whole generation: prompt ids in, new ids out. It lets a
 * causal LM run behind DJL's {@code Predictor}, which calls a block's forward once per request.
 *
 * <p>Shapes: input prompt ids {@code (T)} or {@code (1, T)}; output the new ids {@code (N)},
 * {@code N <= maxNewTokens}. The weights are those of the wrapped {@link CausalLm} (child {@code
 * gpt}).
 */
public final class GenerationBlock extends AbstractBlock {

    private final CausalLm gpt;
    private final SamplingConfig sampling;

    /** Generates with {@code gpt} using {@code sampling} (key/value cache on). */
    public GenerationBlock(CausalLm gpt, SamplingConfig sampling) {
        this.gpt = addChildBlock("gpt", gpt);
        this.sampling = sampling;
    }

    /** The wrapped model. */
    public CausalLm gpt() {
        return gpt;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray prompt = inputs.singletonOrThrow();
        long[] ids = prompt.toType(DataType.INT64, false).toLongArray();
        long[] out = new Generator(gpt, ps, prompt.getManager(), true).generate(ids, sampling, null);
        return new NDList(prompt.getManager().create(out));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(-1)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        gpt.initialize(manager);
    }
}
