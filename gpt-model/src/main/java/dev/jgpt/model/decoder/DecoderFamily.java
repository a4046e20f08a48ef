package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import dev.jgpt.model.io.SafeTensorsWriter;
import java.io.IOException;
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
    private final String architecture;
    private final boolean qkNorm;
    private final Map<String, DecoderConfig> presets;
    private final String tokenizerRepository;

    /**
     * @param architecture the {@code architectures} entry of its HF {@code config.json}
     * @param presets the published sizes by name, smallest first
     * @param tokenizerRepository the Hub repository whose tokenizer a fresh model uses
     */
    protected DecoderFamily(String modelType, String architecture, boolean qkNorm, Map<String, DecoderConfig> presets,
            String tokenizerRepository) {
        this.modelType = modelType;
        this.architecture = architecture;
        this.qkNorm = qkNorm;
        this.presets = new LinkedHashMap<>(presets);
        this.tokenizerRepository = tokenizerRepository;
    }

    @Override
    public String tokenizerRepository() {
        return tokenizerRepository;
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
    public void loadWeights(CausalLm model, NDManager manager, Path dir) {
        DecoderCheckpoint.loadInto(decoder(model), manager, dir);
    }

    @Override
    public void saveHuggingFace(CausalLm model, Path dir, ai.djl.ndarray.types.DataType dtype, long maxShardBytes)
            throws IOException {
        DecoderCheckpoint.save(decoder(model), architecture, dir, SafeTensorsWriter.DType.of(dtype), maxShardBytes);
    }

    private DecoderModel decoder(CausalLm model) {
        if (!(model instanceof DecoderModel d) || !d.config().modelType().equals(modelType)) {
            throw new IllegalArgumentException("Not a " + modelType + " model: " + model.getClass().getSimpleName());
        }
        return d;
    }
}
