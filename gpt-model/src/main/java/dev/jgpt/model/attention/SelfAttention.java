package dev.jgpt.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.UnaryBlock;
import dev.jgpt.model.nn.Linear;

/**
 * Scaled dot-product self-attention with trainable query, key and value weights (the book's
 * {@code SelfAttention_v2}, section 3.4). Every token sees every other token: no mask yet.
 *
 * <p>Shapes: input {@code (B, T, d_in)}, queries/keys/values {@code (B, T, d_out)}, weights
 * {@code (B, T, T)}, output {@code (B, T, d_out)}. Each projection's weight is {@code (d_out,
 * d_in)}.
 */
public class SelfAttention extends UnaryBlock {

    private final int dOut;
    private final Linear wQuery;
    private final Linear wKey;
    private final Linear wValue;

    /**
     * @param dIn input width
     * @param dOut width of queries, keys, values and the output
     * @param qkvBias whether the three projections have a bias
     */
    public SelfAttention(int dIn, int dOut, boolean qkvBias) {
        this.dOut = dOut;
        wQuery = addChildBlock("W_query", new Linear(dIn, dOut, qkvBias, 0.02f));
        wKey = addChildBlock("W_key", new Linear(dIn, dOut, qkvBias, 0.02f));
        wValue = addChildBlock("W_value", new Linear(dIn, dOut, qkvBias, 0.02f));
    }

    /** The query projection. */
    public Linear wQuery() {
        return wQuery;
    }

    /** The key projection. */
    public Linear wKey() {
        return wKey;
    }

    /** The value projection. */
    public Linear wValue() {
        return wValue;
    }

    /** The scaled scores {@code q k^T / sqrt(d_out)}, {@code (B, T, T)}. */
    protected NDArray scores(ParameterStore ps, NDArray x, boolean training) {
        NDArray q = wQuery.forward(ps, x, training);
        NDArray k = wKey.forward(ps, x, training);
        return dev.jgpt.model.nn.Scalars.mul(q.matMul(k.transpose(0, 2, 1)), (float) (1 / Math.sqrt(dOut)));
    }

    /** The attention weights {@code softmax(scores)}, {@code (B, T, T)}; each row sums to 1. */
    public NDArray weights(ParameterStore ps, NDArray x, boolean training) {
        return scores(ps, x, training).softmax(2);
    }

    /** {@code (B, T, d_in) -> (B, T, d_out)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return weights(ps, x, training).matMul(wValue.forward(ps, x, training));
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(dOut)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        wQuery.initialize(manager, dataType, shapes[0]);
        wKey.initialize(manager, dataType, shapes[0]);
        wValue.initialize(manager, dataType, shapes[0]);
    }
}
