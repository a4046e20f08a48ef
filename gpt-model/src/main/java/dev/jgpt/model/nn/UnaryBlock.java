package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block with one input and one output, callable directly as {@link #forward(ParameterStore,
 * NDArray, boolean)} without wrapping arrays in {@code NDList}s. The output has the input's shape
 * unless a subclass says otherwise.
 */
public abstract class UnaryBlock extends AbstractBlock {

    /** Applies the block to {@code x}. */
    public abstract NDArray forward(ParameterStore ps, NDArray x, boolean training);

    @Override
    protected final NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
