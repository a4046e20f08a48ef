package dev.jgpt.model.nn;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * One model family (GPT-2, and later Qwen3 and Llama): how its HuggingFace {@code config.json}
 * reads, which blocks it builds, and how its published weights map onto them. Everything above
 * the model (generation, training, LoRA, the classifier head, the server) works through this and
 * {@link CausalLm}, so a family is one package: its config, its blocks, and this.
 *
 * <p>Families are found by {@code model_type} in {@code checkpoint.ModelFamilies}.
 */
public interface ModelFamily {

    /** The HuggingFace {@code model_type} this family reads ({@code gpt2}, {@code qwen3}, ...). */
    String modelType();

    /**
     * The config of a {@code config.json}: HuggingFace's, or the project's own checkpoint form
     * ({@link ModelConfig#toJson()}).
     *
     * @throws IllegalArgumentException naming the missing or invalid field
     */
    ModelConfig parseConfig(JsonObject json);

    /**
     * The blocks for {@code config} (of this family), nothing allocated yet.
     *
     * @param withLmHead false for a body whose output is read through {@link CausalLm#hidden} (a
     *     classifier): an untied output head is then never built
     */
    CausalLm newModel(ModelConfig config, boolean withLmHead);

    /** The names of the family's published sizes ({@code 124M}, {@code qwen3-0.6b}, ...); none by default. */
    default java.util.List<String> presetNames() {
        return java.util.List.of();
    }

    /**
     * The config of preset {@code name} (one of {@link #presetNames()}).
     *
     * @throws IllegalArgumentException for another name
     */
    default ModelConfig preset(String name) {
        throw new IllegalArgumentException("The " + modelType() + " family has no preset '" + name + "'");
    }

    /**
     * The HuggingFace Hub repository ({@code owner/name}) whose tokenizer files a model of this
     * family made from a preset uses, or {@code null} when the family has a built-in tokenizer
     * (GPT-2: OpenAI's BPE).
     */
    default String tokenizerRepository() {
        return null;
    }

    /**
     * Initialises {@code model} on {@code manager} with the HuggingFace weights in {@code dir},
     * after checking every tensor's presence and shape, so a bad file never half-loads.
     *
     * @throws dev.jgpt.model.io.CheckpointException naming the file or tensor at fault
     */
    void loadWeights(CausalLm model, NDManager manager, Path dir);

    /**
     * Writes {@code model} (of this family) as a HuggingFace folder that {@code transformers}
     * loads and {@link #loadWeights} reads back bit for bit: {@code config.json} and the weights
     * in {@code dtype} ({@code FLOAT32}, {@code FLOAT16} or {@code BFLOAT16}) under the family's HF names, one {@code model.safetensors} or shards with
     * {@code model.safetensors.index.json} above {@code maxShardBytes}. Tokenizer files are the
     * caller's ({@code Tokenizer.save}).
     */
    void saveHuggingFace(CausalLm model, Path dir, ai.djl.ndarray.types.DataType dtype, long maxShardBytes)
            throws java.io.IOException;
}
