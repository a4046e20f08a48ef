package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What a forward pass needs besides the token ids {@code (B, T)}: whether it trains, the key/value
 * cache the new tokens continue (or none), their position ids, and which keys are padding.
 * Immutable and cheap: {@code ForwardState.inference().withCache(cache)}. The model turns it into
 * one {@link ForwardPass} per call, which builds the attention mask once for all layers.
 */
public final class ForwardState {

    private static final ForwardState TRAINING = new ForwardState(true, null, null, null);
    private static final ForwardState INFERENCE = new ForwardState(false, null, null, null);

    private final boolean training;
    private final KvCache cache;
    private final NDArray positions;
    private final NDArray paddingMask;

    private ForwardState(boolean training, KvCache cache, NDArray positions, NDArray paddingMask) {
        this.training = training;
        this.cache = cache;
        this.positions = positions;
        this.paddingMask = paddingMask;
    }

    /** A training pass (dropout on), no cache. */
    public static ForwardState training() {
        return TRAINING;
    }

    /** An inference pass, no cache, positions from 0, no padding. */
    public static ForwardState inference() {
        return INFERENCE;
    }

    /** {@link #training()} or {@link #inference()}. */
    public static ForwardState of(boolean training) {
        return training ? TRAINING : INFERENCE;
    }

    /** The same, continuing the tokens already in {@code cache}, which the pass extends. */
    public ForwardState withCache(KvCache cache) {
        return new ForwardState(training, cache, positions, paddingMask);
    }

    /**
     * The same, with explicit position ids {@code (B, T)} for the new tokens (a left-padded batch
     * counts each row from its first real token); without, positions run from the cache's length.
     */
    public ForwardState withPositions(NDArray positions) {
        return new ForwardState(training, cache, positions, paddingMask);
    }

    /**
     * The same, with an additive padding mask {@code (B, T_keys)} over the cached and new keys
     * (see {@link #paddingMask(NDArray)}).
     */
    public ForwardState withPaddingMask(NDArray paddingMask) {
        return new ForwardState(training, cache, positions, paddingMask);
    }

    /**
     * The additive padding mask for {@link #withPaddingMask}: 0 where {@code real} is true, -1e9
     * where it is padding. A large finite number rather than -inf keeps a padded query that sees
     * only padding finite.
     *
     * @param real {@code (B, T_keys)} booleans (or 0/1 numbers)
     */
    public static NDArray paddingMask(NDArray real) {
        return real.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).sub(1f).mul(1e9f);
    }

    /** Whether this pass trains (dropout on, autograd recorded by the caller's collector). */
    public boolean isTraining() {
        return training;
    }

    /** The cache, or {@code null}. */
    public KvCache cache() {
        return cache;
    }

    /** The positions already cached, which the new tokens follow (0 without a cache). */
    public int cachedLength() {
        return cache == null ? 0 : cache.length();
    }

    /** Explicit position ids {@code (B, T)}, or {@code null}. */
    public NDArray positions() {
        return positions;
    }

    /** The additive padding mask {@code (B, T_keys)}, or {@code null}. */
    public NDArray paddingMask() {
        return paddingMask;
    }
}
