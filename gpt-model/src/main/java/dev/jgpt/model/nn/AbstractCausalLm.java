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
        boolean fewRows = !training && hidden.getShape().dimension() == 2 && hidden.getShape().get(0) > 1
                && hidden.getShape().get(0) <= FEW_ROWS;
        if (untied != null && (!fewRows || untied.bias() != null || untied.lora() != null)) {
            return untied.forward(ps, hidden, training);
        }
        NDArray w = ps.getValue((untied != null ? untied.weight() : tokenEmbedding().weight()), hidden.getDevice(),
                training);
        if (fewRows) {
            // a batch decode step's (B, C) rows: with the (V, C) matrix as the left operand, (V, C) x (C, B),
            // CPU BLAS ran this 1.5-2x faster than (B, C) x (C, V) at B = 2..16 (one row stays a gemv)
            NDArray logitsT = w.matMul(hidden.transpose()); // (V, B), made on the weight's manager:
            logitsT.attach(hidden.getManager()); // it belongs with the input, as every temporary does
            return logitsT.transpose();
        }
        return ai.djl.nn.core.Linear.linear(hidden, w).singletonOrThrow();
    }

    /** The most rows (sequences of a decode step) the head computes as {@code (W x^T)^T}. */
    static final int FEW_ROWS = 64;
}
