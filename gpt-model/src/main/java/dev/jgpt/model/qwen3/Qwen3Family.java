package dev.jgpt.model.qwen3;

import dev.jgpt.model.decoder.DecoderConfig;
import dev.jgpt.model.decoder.DecoderFamily;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Qwen3 ({@code model_type: qwen3}): the shared decoder with per-head RMSNorm of queries and
 * keys, an explicit {@code head_dim}, no rope scaling; the published sizes as presets
 * (vocabulary 151,936, head_dim 128, context 40,960, rope theta 1,000,000), and {@code qwen3-tiny}
 * (the real vocabulary, width 64, 4 layers, context 1,024) to train from scratch on a small
 * machine. A fresh model takes its tokenizer from {@code Qwen/Qwen3-0.6B}.
 */
public final class Qwen3Family extends DecoderFamily {

    /** The one instance. */
    public static final Qwen3Family INSTANCE = new Qwen3Family();

    /** Preset names, smallest first. */
    public static final List<String> PRESET_NAMES = INSTANCE.presetNames();

    private Qwen3Family() {
        super("qwen3", "Qwen3ForCausalLM", true, presets(), "Qwen/Qwen3-0.6B");
    }

    private static Map<String, DecoderConfig> presets() {
        Map<String, DecoderConfig> m = new LinkedHashMap<>();
        // for training on a laptop: 9.9M parameters, 9.7M of them the real vocabulary's embedding
        m.put("qwen3-tiny", new DecoderConfig("qwen3", 151936, 1024, 64, 192, 4, 4, 2, 16, 1e-6f, 1_000_000, null,
                true, true, false, 0.02f));
        m.put("qwen3-0.6b", qwen3(1024, 3072, 28, 16, true));
        m.put("qwen3-1.7b", qwen3(2048, 6144, 28, 16, true));
        m.put("qwen3-4b", qwen3(2560, 9728, 36, 32, true));
        m.put("qwen3-8b", qwen3(4096, 12288, 36, 32, false));
        return m;
    }

    private static DecoderConfig qwen3(int hidden, int intermediate, int layers, int heads, boolean tied) {
        return new DecoderConfig("qwen3", 151936, 40960, hidden, intermediate, layers, heads, 8, 128, 1e-6f,
                1_000_000, null, tied, true, false, 0.02f);
    }

    /** The published shape of {@code name} ({@link #PRESET_NAMES}). */
    public static DecoderConfig presetConfig(String name) {
        return INSTANCE.preset(name);
    }
}
