package dev.jgpt.model.llama;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.model.decoder.DecoderCheckpoint;
import dev.jgpt.model.decoder.DecoderConfig;
import dev.jgpt.model.decoder.DecoderConfigs;
import dev.jgpt.model.decoder.DecoderModel;
import dev.jgpt.model.decoder.RotaryEmbedding;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Path;
import java.util.List;

/**
 * Llama ({@code model_type: llama}, Llama 3.2): the shared decoder without q/k norms, with Llama
 * 3's rope scaling; the published 3.2 sizes as presets.
 */
public final class LlamaFamily implements ModelFamily {

    /** The one instance. */
    public static final LlamaFamily INSTANCE = new LlamaFamily();

    /** Preset names. */
    public static final List<String> PRESET_NAMES = List.of("llama3.2-1b", "llama3.2-3b");

    private LlamaFamily() {}

    /** The published shape of {@code name}: vocabulary 128,256, context 131,072, rope theta 500,000 scaled x32. */
    public static DecoderConfig presetConfig(String name) {
        RotaryEmbedding.Llama3Scaling scaling = new RotaryEmbedding.Llama3Scaling(32, 1, 4, 8192);
        switch (name) {
            case "llama3.2-1b":
                return new DecoderConfig("llama", 128256, 131072, 2048, 8192, 16, 32, 8, 64, 1e-5f, 500_000, scaling,
                        true, false, false, 0.02f);
            case "llama3.2-3b":
                return new DecoderConfig("llama", 128256, 131072, 3072, 8192, 28, 24, 8, 128, 1e-5f, 500_000, scaling,
                        true, false, false, 0.02f);
            default:
                throw new IllegalArgumentException("Unknown Llama preset '" + name + "'; known: " + PRESET_NAMES);
        }
    }

    @Override
    public List<String> presetNames() {
        return PRESET_NAMES;
    }

    @Override
    public DecoderConfig preset(String name) {
        return presetConfig(name);
    }

    @Override
    public String modelType() {
        return "llama";
    }

    @Override
    public DecoderConfig parseConfig(JsonObject json) {
        return DecoderConfigs.read(json, "llama", false);
    }

    @Override
    public CausalLm newModel(ModelConfig config, boolean withLmHead) {
        return new DecoderModel((DecoderConfig) config, withLmHead);
    }

    @Override
    public String weightsFile() {
        return DecoderCheckpoint.WEIGHTS_FILE;
    }

    @Override
    public void loadWeights(CausalLm model, NDManager manager, Path dir) {
        DecoderCheckpoint.loadInto((DecoderModel) model, manager, dir);
    }
}
