package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A family built on the shared decoder: what differs is the {@code model_type}, whether queries
 * and keys are normalised per head, and the published sizes. {@code qwen3.Qwen3Family} and
 * {@code llama.LlamaFamily} are one each.
 */
public abstract class DecoderFamily implements ModelFamily {

    private final String modelType;
    private final boolean qkNorm;
    private final Map<String, DecoderConfig> presets;

    /** @param presets the published sizes by name, smallest first */
    protected DecoderFamily(String modelType, boolean qkNorm, Map<String, DecoderConfig> presets) {
        this.modelType = modelType;
        this.qkNorm = qkNorm;
        this.presets = new LinkedHashMap<>(presets);
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public DecoderConfig parseConfig(JsonObject json) {
        return DecoderConfigs.read(json, modelType, qkNorm);
    }

    @Override
    public CausalLm newModel(ModelConfig config, boolean withLmHead) {
        if (!(config instanceof DecoderConfig d) || !d.modelType().equals(modelType)) {
            throw new IllegalArgumentException("Not a " + modelType + " config: " + config);
        }
        return new DecoderModel(d, withLmHead);
    }

    @Override
    public List<String> presetNames() {
        return List.copyOf(presets.keySet());
    }

    @Override
    public DecoderConfig preset(String name) {
        DecoderConfig c = presets.get(name);
        if (c == null) {
            throw new IllegalArgumentException("Unknown " + modelType + " preset '" + name + "'; known: "
                    + presetNames());
        }
        return c;
    }

    @Override
    public String weightsFile() {
        return DecoderCheckpoint.WEIGHTS_FILE;
    }

    @Override
    public void loadWeights(CausalLm model, NDManager manager, Path dir) {
        if (!(model instanceof DecoderModel d)) {
            throw new IllegalArgumentException("Not a " + modelType + " model: " + model.getClass().getSimpleName());
        }
        DecoderCheckpoint.loadInto(d, manager, dir);
    }
}
