package dev.jgpt.model.qwen3;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.jgpt.model.decoder.DecoderCheckpoint;
import dev.jgpt.model.decoder.DecoderConfig;
import dev.jgpt.model.decoder.DecoderConfigs;
import dev.jgpt.model.decoder.DecoderModel;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Qwen3 ({@code model_type: qwen3}): the shared decoder with per-head RMSNorm of queries and
 * keys, an explicit {@code head_dim}, no rope scaling; the published sizes as presets.
 */
public final class Qwen3Family implements ModelFamily {

    /** The one instance. */
    public static final Qwen3Family INSTANCE = new Qwen3Family();

    /** Preset names, smallest first. */
    public static final List<String> PRESET_NAMES = List.of("qwen3-0.6b", "qwen3-1.7b", "qwen3-4b", "qwen3-8b");

    private static final Map<String, int[]> PRESETS = Map.of(
            // hidden, intermediate, layers, heads, kv heads, tied (1/0)
            "qwen3-0.6b", new int[] {1024, 3072, 28, 16, 8, 1},
            "qwen3-1.7b", new int[] {2048, 6144, 28, 16, 8, 1},
            "qwen3-4b", new int[] {2560, 9728, 36, 32, 8, 1},
            "qwen3-8b", new int[] {4096, 12288, 36, 32, 8, 0});

    private Qwen3Family() {}

    /** The published shape of {@code name} ({@link #PRESET_NAMES}): vocabulary 151,936, head_dim 128, context 40,960. */
    public static DecoderConfig presetConfig(String name) {
        int[] p = PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("Unknown Qwen3 preset '" + name + "'; known: " + PRESET_NAMES);
        }
        return new DecoderConfig("qwen3", 151936, 40960, p[0], p[1], p[2], p[3], p[4], 128, 1e-6f, 1_000_000, null,
                p[5] == 1, true, false, 0.02f);
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
        return "qwen3";
    }

    @Override
    public DecoderConfig parseConfig(JsonObject json) {
        return DecoderConfigs.read(json, "qwen3", true);
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
