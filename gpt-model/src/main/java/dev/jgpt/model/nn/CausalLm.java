package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * A decoder-only causal language model of any family, as generation sees it: token ids {@code
 * (B, T)} in, logits {@code (B, T, V)} out, continuing a key/value cache. A DJL {@link Block}
 * whose plain forward (what a {@code Trainer} calls) maps ids to logits (or to the hidden states
 * {@code (B, T, C)} for a model built without its output head). GPT-2's is {@code gpt2.GptModel};
 * its {@link ModelFamily} builds and loads it.
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
    default NDArray logits(ParameterStore ps, NDArray ids, ForwardState state) {
        return head(ps, hidden(ps, ids, state), state.isTraining());
    }

    /**
     * The logits of the last position only, which is all generation needs: the output head (the
     * largest matmul, {@code C x V}) runs once instead of {@code T} times.
     *
     * @return {@code (B, V)}
     */
    default NDArray lastLogits(ParameterStore ps, NDArray ids, ForwardState state) {
        return head(ps, CausalLms.lastPosition(hidden(ps, ids, state)), state.isTraining());
    }

    /**
     * The output head: hidden states {@code (B, T, C)} (or {@code (B, C)}) to logits over the
     * vocabulary.
     *
     * @throws IllegalStateException for a model built without its head
     */
    NDArray head(ParameterStore ps, NDArray hidden, boolean training);

    /**
     * The final-norm hidden states, before the output head.
     *
     * @return {@code (B, T, C)}
     */
    NDArray hidden(ParameterStore ps, NDArray ids, ForwardState state);

    /** An empty key/value cache sized for this model (a buffer per layer), its arrays under {@code manager}. */
    default KvCache newCache(NDManager manager) {
        return new KvCache(manager, layers().size(), config().contextLength());
    }

    /** Initialises every parameter on {@code manager} (the family's random initialisation). */
    void initialize(NDManager manager);

    /** The decoder blocks, the first first (what "train the last N blocks" counts). */
    java.util.List<Block> layers();

    /** The norm after the last block. */
    Block finalNorm();

    /** Whether the output head was built (false for a classifier's body). */
    boolean hasLmHead();

    /**
     * Every weight under its HuggingFace checkpoint name (GPT-2: {@code wte.weight}, {@code
     * h.0.attn.c_attn.weight}, ...), in model order; LoRA adapters are not included.
     */
    Map<String, Parameter> namedParameters();

    /** The linear layers LoRA can adapt, by module name ({@code h.0.attn.c_attn}, ...). */
    Map<String, LoraTarget> loraTargets();

    /**
     * The HF module path of the LoRA target {@code key} in the family's {@code *ForCausalLM}
     * class, as peft names adapters: the key itself by default ({@code
     * model.layers.0.self_attn.q_proj}); GPT-2's {@code transformer.h.0.attn.c_attn}.
     */
    default String loraModulePath(String key) {
        return key;
    }

    /**
     * Whether the HF layers behind {@link #loraTargets()} store their weight as {@code (in, out)}
     * (GPT-2's Conv1D: peft's {@code fan_in_fan_out}); the adapters' shapes are the same either way.
     */
    default boolean loraFanInFanOut() {
        return false;
    }

    /**
     * Copies every weight of {@code source} (same config; its output head is skipped when this
     * model has none) into this initialised model, casting to this model's data types.
     */
    default void copyParametersFrom(CausalLm source) {
        Map<String, Parameter> from = source.namedParameters();
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            NDArray target = e.getValue().getArray();
            NDArray value = from.get(e.getKey()).getArray();
            if (value.getDataType() == target.getDataType()) {
                value.copyTo(target);
            } else {
                try (NDArray cast = value.toType(target.getDataType(), true)) {
                    cast.copyTo(target);
                }
            }
        }
    }

    /** The weights' data type (that of the first weight). */
    default ai.djl.ndarray.types.DataType dataType() {
        return namedParameters().values().iterator().next().getArray().getDataType();
    }
}
