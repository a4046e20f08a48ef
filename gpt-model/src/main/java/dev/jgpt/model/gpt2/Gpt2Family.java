package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Path;

/**
 * GPT-2 as a {@link ModelFamily}: {@link GptConfig} read from HuggingFace's {@code GPT2Config} (or
 * the book's keys), {@link GptModel}'s blocks, and {@link Gpt2Checkpoint}'s weight map.
 */
public final class Gpt2Family implements ModelFamily {

    /** The one instance. */
    public static final Gpt2Family INSTANCE = new Gpt2Family();

    private Gpt2Family() {}

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public GptConfig parseConfig(JsonObject json) {
        return GptConfig.fromJson(json);
    }

    @Override
    public GptModel newModel(ModelConfig config, boolean withLmHead) {
        return new GptModel(gptConfig(config), withLmHead);
    }

    @Override
    public java.util.List<String> presetNames() {
        return GptConfig.PRESET_NAMES;
    }

    @Override
    public GptConfig preset(String name) {
        return GptConfig.preset(name);
    }

    @Override
    public void loadWeights(CausalLm model, NDManager manager, Path dir) {
        Gpt2Checkpoint.loadInto(gpt(model), manager, dir);
    }

    @Override
    public void saveHuggingFace(CausalLm model, Path dir, ai.djl.ndarray.types.DataType dtype, long maxShardBytes)
            throws java.io.IOException {
        Gpt2Checkpoint.save(gpt(model), dir, dev.jgpt.model.io.SafeTensorsWriter.DType.of(dtype), maxShardBytes);
    }

    private static GptConfig gptConfig(ModelConfig config) {
        if (config instanceof GptConfig g) {
            return g;
        }
        throw new IllegalArgumentException("Not a GPT-2 config: " + config);
    }

    private static GptModel gpt(CausalLm model) {
        if (model instanceof GptModel g) {
            return g;
        }
        throw new IllegalArgumentException("Not a GPT-2 model: " + model.getClass().getSimpleName());
    }
}
