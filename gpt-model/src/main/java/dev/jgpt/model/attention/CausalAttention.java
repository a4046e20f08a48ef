package dev.jgpt.model.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.CausalMask;
import dev.jgpt.model.nn.Dropouts;

/**
 * Single-head causal attention (the book's {@code CausalAttention}, section 3.5): self-attention
 * whose scores for future tokens are masked to {@code -inf} before the softmax, with dropout on
 * the attention weights while training.
 *
 * <p>Shapes: input {@code (B, T, d_in)} with {@code T <= contextLength}, weights {@code (B, T,
 * T)}, output {@code (B, T, d_out)}.
 */
public class CausalAttention extends SelfAttention {

    private final int contextLength;
    private final float dropout;

    /**
     * @param dIn input width
     * @param dOut output width (one head)
     * @param contextLength the longest sequence accepted
     * @param dropout dropout rate on the attention weights
     * @param qkvBias whether the projections have a bias
     */
    public CausalAttention(int dIn, int dOut, int contextLength, float dropout, boolean qkvBias) {
        super(dIn, dOut, qkvBias);
        this.contextLength = contextLength;
        this.dropout = dropout;
    }

    /** Masked, normalised and (while training) dropped-out attention weights, {@code (B, T, T)}. */
    @Override
    public NDArray weights(ParameterStore ps, NDArray x, boolean training) {
        int t = (int) x.getShape().get(1);
        if (t > contextLength) {
            throw new IllegalArgumentException(
                    "Sequence length " + t + " exceeds the context length " + contextLength);
        }
        NDArray w = scores(ps, x, training).add(CausalMask.additive(x.getManager(), t, t, 0)).softmax(2);
        return Dropouts.apply(w, dropout, training);
    }
}
