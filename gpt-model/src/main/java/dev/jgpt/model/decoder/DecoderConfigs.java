package dev.jgpt.model.decoder;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.jgpt.model.io.JsonFields;

/** Reads the HuggingFace {@code config.json} of a Llama-style family into a {@link DecoderConfig}. */
public final class DecoderConfigs {

    private DecoderConfigs() {}

    /**
     * The config in {@code json}.
     *
     * @param modelType the family's {@code model_type}
     * @param qkNorm whether the family normalises queries and keys per head (Qwen3)
     * @throws IllegalArgumentException naming a missing or invalid field
     */
    public static DecoderConfig read(JsonObject json, String modelType, boolean qkNorm) {
        String act = JsonFields.string(json, "hidden_act", "silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("Model config field 'hidden_act' is '" + act + "'; " + modelType
                    + " models use 'silu'");
        }
        int hidden = JsonFields.positiveInt(json, "hidden_size");
        int heads = JsonFields.positiveInt(json, "num_attention_heads");
        if (JsonFields.bool(json, "mlp_bias", false)) {
            throw new IllegalArgumentException("Model config field 'mlp_bias' is true; only bias-free SwiGLU is supported");
        }
        return new DecoderConfig(modelType,
                JsonFields.positiveInt(json, "vocab_size"),
                JsonFields.positiveInt(json, "max_position_embeddings"),
                hidden,
                JsonFields.positiveInt(json, "intermediate_size"),
                JsonFields.positiveInt(json, "num_hidden_layers"),
                heads,
                JsonFields.positiveInt(json, "num_key_value_heads", heads),
                JsonFields.positiveInt(json, "head_dim", hidden / heads),
                (float) JsonFields.number(json, "rms_norm_eps", 1e-6),
                JsonFields.number(json, "rope_theta", 10000.0),
                scaling(json),
                JsonFields.bool(json, "tie_word_embeddings", false),
                qkNorm,
                JsonFields.bool(json, "attention_bias", false),
                (float) JsonFields.number(json, "initializer_range", 0.02));
    }

    private static RotaryEmbedding.Llama3Scaling scaling(JsonObject json) {
        JsonElement e = json.get("rope_scaling");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("Model config field 'rope_scaling' must be an object or null, got " + e);
        }
        JsonObject s = e.getAsJsonObject();
        String type = JsonFields.string(s, "rope_type", JsonFields.string(s, "type", ""));
        if (!type.equals("llama3")) {
            throw new IllegalArgumentException("Model config field 'rope_scaling' has rope_type '" + type
                    + "'; supported: llama3 (or null)");
        }
        return new RotaryEmbedding.Llama3Scaling(JsonFields.number(s, "factor"), JsonFields.number(s, "low_freq_factor"),
                JsonFields.number(s, "high_freq_factor"),
                JsonFields.positiveInt(s, "original_max_position_embeddings"));
    }
}
