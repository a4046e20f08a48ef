package dev.jgpt.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Multi-head attention the simple way (the book's {@code MultiHeadAttentionWrapper}, section
 * 3.6.1): {@code H} independent {@link CausalAttention} heads run one after the other and their
 * outputs are concatenated. {@link dev.jgpt.model.gpt2.CausalSelfAttention} computes the same thing
 * with one fused projection and batched matmuls.
 *
 * <p>Shapes: input {@code (B, T, d_in)}, each head {@code (B, T, d_out)}, output {@code (B, T, H
 * * d_out)}.
 */
public final class MultiHeadAttentionWrapper extends UnaryBlock {

    private final int dOut;
    private final List<CausalAttention> heads;

    /**
     * @param dIn input width
     * @param dOut width of each head
     * @param contextLength the longest sequence accepted
     * @param dropout dropout on each head's attention weights
     * @param numHeads number of heads {@code H}
     * @param qkvBias whether the projections have a bias
     */
    public MultiHeadAttentionWrapper(
            int dIn, int dOut, int contextLength, float dropout, int numHeads, boolean qkvBias) {
        this.dOut = dOut;
        List<CausalAttention> list = new ArrayList<>();
        for (int i = 0; i < numHeads; i++) {
            list.add(
                    addChildBlock(
                            "head" + i,
                            new CausalAttention(dIn, dOut, contextLength, dropout, qkvBias)));
        }
        heads = Collections.unmodifiableList(list);
    }

    /** The heads, in output order. */
    public List<CausalAttention> heads() {
        return heads;
    }

    /** {@code (B, T, d_in) -> (B, T, H * d_out)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDList outputs = new NDList(heads.size());
        for (CausalAttention head : heads) {
            outputs.add(head.forward(ps, x, training));
        }
        return NDArrays.concat(outputs, 2);
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add((long) dOut * heads.size())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        for (CausalAttention head : heads) {
            head.initialize(manager, dataType, shapes[0]);
        }
    }
}
