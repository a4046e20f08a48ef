package dev.jgpt.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The book's first attention (section 3.3): no trainable weights. Each token's context vector is
 * the softmax({@code x_i . x_j})-weighted sum of all input vectors.
 *
 * <p>Shapes: input {@code (B, T, C)}, attention weights {@code (B, T, T)}, output {@code (B, T,
 * C)}.
 */
public final class SimpleSelfAttention extends AbstractBlock {

    /** The attention weights {@code softmax(x x^T)}, {@code (B, T, T)}; each row sums to 1. */
    public static NDArray weights(NDArray x) {
        return x.matMul(x.transpose(0, 2, 1)).softmax(2);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(weights(x).matMul(x));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
