package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * What every family's model block does alike: DJL's plain forward (ids to logits, or to hidden
 * states for a body built without its head) and the output head, its own {@code (V, C)} matrix
 * or the token embedding when tied. A family writes {@link #hidden}, its layers and its names.
 */
public abstract class AbstractCausalLm extends UnaryBlock implements CausalLm {

    private final boolean withLmHead;

    /** @param withLmHead false for a body read through {@link #hidden} (a classifier) */
    protected AbstractCausalLm(boolean withLmHead) {
        this.withLmHead = withLmHead;
    }

    /** The token embedding {@code (V, C)}, which a tied head reuses. */
    protected abstract Embedding tokenEmbedding();

    /** The untied output head {@code (V, C)}, or {@code null} when tied or built without a head. */
    protected abstract Linear untiedHead();

    @Override
    public final boolean hasLmHead() {
        return withLmHead;
    }

    /**
     * DJL's entry point (a {@code Trainer} calls it), a plain pass: logits {@code (B, T, V)}, or
     * the hidden states {@code (B, T, C)} when built without the head.
     */
    @Override
    public final NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        ForwardState state = ForwardState.of(training);
        return withLmHead ? logits(ps, ids, state) : hidden(ps, ids, state);
    }

    @Override
    public final NDArray head(ParameterStore ps, NDArray hidden, boolean training) {
        if (!withLmHead) {
            throw new IllegalStateException("This " + getClass().getSimpleName() + " was built without its output head");
        }
        Linear untied = untiedHead();
        if (untied != null) {
            return untied.forward(ps, hidden, training);
        }
        NDArray w = ps.getValue(tokenEmbedding().weight(), hidden.getDevice(), training);
        return ai.djl.nn.core.Linear.linear(hidden, w).singletonOrThrow();
    }
}
