package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A decoder-only causal language model of any family, as generation sees it: token ids {@code
 * (B, T)} in, logits {@code (B, T, V)} out, continuing a key/value cache. A DJL {@link Block}
 * whose plain forward (what a {@code Trainer} calls) maps ids to logits. GPT-2's is {@code
 * gpt2.GptModel}.
 */
public interface CausalLm extends Block {

    /** The model's sizes. */
    ModelConfig config();

    /**
     * The logits for {@code ids}, which follow the tokens in {@code state}'s cache (if any) and
     * extend it.
     *
     * @return {@code (B, T, V)}
     */
    NDArray logits(ParameterStore ps, NDArray ids, ForwardState state);

    /**
     * The logits of the last position only (the output head runs once).
     *
     * @return {@code (B, V)}
     */
    NDArray lastLogits(ParameterStore ps, NDArray ids, ForwardState state);

    /**
     * The final-norm hidden states, before the output head.
     *
     * @return {@code (B, T, C)}
     */
    NDArray hidden(ParameterStore ps, NDArray ids, ForwardState state);

    /** An empty key/value cache sized for this model, its arrays under {@code manager}. */
    KvCache newCache(NDManager manager);

    /** Initialises every parameter on {@code manager} (the family's random initialisation). */
    void initialize(NDManager manager);
}
