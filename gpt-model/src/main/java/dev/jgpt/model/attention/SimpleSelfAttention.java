package dev.jgpt.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * The book's first attention (section 3.3): no trainable weights. Each token's context vector is
 * the softmax({@code x_i . x_j})-weighted sum of all input vectors.
 *
 * <p>Shapes: input {@code (B, T, C)}, attention weights {@code (B, T, T)}, output {@code (B, T,
 * C)}.
 */
public final class SimpleSelfAttention extends UnaryBlock {

    /** The attention weights {@code softmax(x x^T)}, {@code (B, T, T)}; each row sums to 1. */
    public static NDArray weights(NDArray x) {
        return x.matMul(x.transpose(0, 2, 1)).softmax(2);
    }

    /** {@code (B, T, C) -> (B, T, C)}: each row the attention-weighted sum of all inputs. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return weights(x).matMul(x);
    }

}
