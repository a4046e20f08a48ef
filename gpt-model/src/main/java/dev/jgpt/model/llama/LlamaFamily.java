package dev.jgpt.model.llama;

import dev.jgpt.model.decoder.DecoderConfig;
import dev.jgpt.model.decoder.DecoderFamily;
import dev.jgpt.model.decoder.RotaryEmbedding;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama ({@code model_type: llama}, Llama 3.2): the shared decoder without q/k norms, with Llama
 * 3's rope scaling; the published 3.2 sizes as presets (vocabulary 128,256, context 131,072,
 * rope theta 500,000 scaled x32), and {@code llama3.2-tiny} (the real vocabulary, width 64, 4
 * layers, context 1,024) to train from scratch on a small machine. A fresh model takes its
 * tokenizer from {@code meta-llama/Llama-3.2-1B-Instruct} (a gated repository: accept Meta's licence
 * on the Hub and set {@code HF_TOKEN}).
 */
public final class LlamaFamily extends DecoderFamily {

    /** The one instance. */
    public static final LlamaFamily INSTANCE = new LlamaFamily();

    /** Preset names. */
    public static final List<String> PRESET_NAMES = INSTANCE.presetNames();

    private LlamaFamily() {
        super("llama", "LlamaForCausalLM", false, presets(), "meta-llama/Llama-3.2-1B-Instruct");
    }

    private static Map<String, DecoderConfig> presets() {
        Map<String, DecoderConfig> m = new LinkedHashMap<>();
        // for training on a laptop: 8.5M parameters, 8.2M of them the real vocabulary's embedding
        m.put("llama3.2-tiny", new DecoderConfig("llama", 128256, 1024, 64, 256, 4, 4, 2, 16, 1e-5f, 500_000,
                new RotaryEmbedding.Llama3Scaling(32, 1, 4, 8192), true, false, false, 0.02f));
        m.put("llama3.2-1b", llama(2048, 16, 32, 64));
        m.put("llama3.2-3b", llama(3072, 28, 24, 128));
        return m;
    }

    private static DecoderConfig llama(int hidden, int layers, int heads, int headDim) {
        RotaryEmbedding.Llama3Scaling scaling = new RotaryEmbedding.Llama3Scaling(32, 1, 4, 8192);
        return new DecoderConfig("llama", 128256, 131072, hidden, 8192, layers, heads, 8, headDim, 1e-5f, 500_000,
                scaling, true, false, false, 0.02f);
    }

    /** The published shape of {@code name} ({@link #PRESET_NAMES}). */
    public static DecoderConfig presetConfig(String name) {
        return INSTANCE.preset(name);
    }
}
