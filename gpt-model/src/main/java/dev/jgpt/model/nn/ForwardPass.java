package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * One forward call's shared inputs for every layer, made by the model from a {@link
 * ForwardState}: the attention mask (causal, plus padding), built once rather than in each layer,
 * and each layer's view of the key/value cache.
 *
 * <p>The mask is additive, {@code (Tq, Tk)} or with padding {@code (B, 1, Tq, Tk)}, in the model's
 * data type, so it broadcasts onto scores {@code (B, H, Tq, Tk)} with one add: 0 where a query may
 * attend, {@code -inf} for a future key, -1e9 for a padding key.
 */
public final class ForwardPass {

    private final ForwardState state;
    private final int offset;
    private final int tokens;
    private final NDArray mask;

    /**
     * @param state the caller's request
     * @param x the first layer's input {@code (B, T, C)}: the mask is built on its manager in its type
     */
    public ForwardPass(ForwardState state, NDArray x) {
        this.state = state;
        this.offset = state.cachedLength();
        this.tokens = (int) x.getShape().get(1);
        int keys = offset + tokens;
        NDArray m = CausalMask.additive(x.getManager(), tokens, keys, offset);
        NDArray padding = state.paddingMask();
        if (padding != null) {
            m = m.add(padding.reshape(padding.getShape().get(0), 1, 1, keys));
        }
        // masks are built in fp32; cast to the activations' type so an fp16 model stays fp16
        NDArray typed = m.toType(x.getDataType(), false);
        if (padding != null && x.getDataType() == ai.djl.ndarray.types.DataType.FLOAT16) {
            // -1e9 is -inf in fp16: a padded query that sees only padding would get a softmax of
            // all -inf (NaN), and the NaN would reach its row's later keys. -1e4 stays finite
            // after a score is added (fp16 ends at 65504) and still gives weight exactly 0
            typed = typed.maximum(-1e4f);
        }
        this.mask = typed;
    }

    /** Whether the pass trains. */
    public boolean isTraining() {
        return state.isTraining();
    }

    /** Absolute position of the first new token (the cache's length, or 0). */
    public int offset() {
        return offset;
    }

    /** The additive attention mask, broadcastable onto {@code (B, H, Tq, Tk)} scores. */
    public NDArray mask() {
        return mask;
    }

    /**
     * The keys and values layer {@code layer} attends to: the new ones {@code (B, H, T, D)}
     * alone without a cache, else everything cached so far with the new ones written after it.
     */
    public NDArray[] keysAndValues(int layer, NDArray k, NDArray v) {
        return state.cache() == null ? new NDArray[] {k, v} : state.cache().layer(layer).append(k, v);
    }

    /** Called by the model once every layer has run: the cache now holds the new tokens. */
    public void finish() {
        if (state.cache() != null) {
            state.cache().advance(tokens);
        }
    }
}
