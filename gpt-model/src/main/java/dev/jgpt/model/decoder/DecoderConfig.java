package dev.jgpt.model.decoder;

import com.google.gson.GsonBuilder;
import dev.jgpt.model.nn.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shape of a Llama-style decoder (Llama 3.2, Qwen3): RMSNorm, rotary embeddings, SwiGLU,
 * grouped-query attention, optional q/k norms, a tied or untied head. Each family reads its
 * HuggingFace {@code config.json} into one ({@code qwen3.Qwen3Family}, {@code llama.LlamaFamily}).
 *
 * @param modelType the HF {@code model_type}
 * @param vocabSize {@code vocab_size}
 * @param contextLength {@code max_position_embeddings}
 * @param hiddenSize {@code hidden_size}, {@code C}
 * @param intermediateSize {@code intermediate_size}
 * @param numLayers {@code num_hidden_layers}
 * @param numHeads {@code num_attention_heads}
 * @param numKvHeads {@code num_key_value_heads}
 * @param headDim {@code head_dim} (may differ from {@code C / H})
 * @param rmsNormEps {@code rms_norm_eps}
 * @param ropeTheta {@code rope_theta}
 * @param ropeScaling Llama 3's {@code rope_scaling}, or {@code null}
 * @param tieEmbeddings {@code tie_word_embeddings}
 * @param qkNorm per-head RMSNorm of queries and keys (Qwen3)
 * @param attentionBias {@code attention_bias}
 * @param initializerRange {@code initializer_range}, the std of fresh weights
 */
public record DecoderConfig(String modelType, int vocabSize, int contextLength, int hiddenSize, int intermediateSize,
        int numLayers, int numHeads, int numKvHeads, int headDim, float rmsNormEps, double ropeTheta,
        RotaryEmbedding.Llama3Scaling ropeScaling, boolean tieEmbeddings, boolean qkNorm, boolean attentionBias,
        float initializerRange) implements ModelConfig {

    /** Validates every field, naming it (HF's name) and its value. */
    public DecoderConfig {
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", contextLength);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " must be a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(rmsNormEps > 0) || !Float.isFinite(rmsNormEps)) {
            throw new IllegalArgumentException("rms_norm_eps must be a positive number, got " + rmsNormEps);
        }
        if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("rope_theta must be a number > 1, got " + ropeTheta);
        }
        try {
            count(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, tieEmbeddings,
                    qkNorm, attentionBias);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + ", num_hidden_layers " + numLayers
                    + " and vocab_size " + vocabSize + " give more parameters than a 64-bit count holds", e);
        }
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be >= 1, got " + value);
        }
    }

    @Override
    public long parameterCount() {
        return count(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, tieEmbeddings,
                qkNorm, attentionBias);
    }

    private static long count(long v, long c, long i, long layers, long h, long kv, long d, boolean tied,
            boolean qkNorm, boolean bias) {
        long attention = Math.addExact(Math.multiplyExact(Math.multiplyExact(2 * h * d, c), 1),
                Math.multiplyExact(2 * kv * d, c)); // q and o: 2 H D C; k and v: 2 Hkv D C
        if (bias) {
            attention += h * d + 2 * kv * d;
        }
        long perLayer = Math.addExact(Math.addExact(attention, Math.multiplyExact(3 * c, i)), 2 * c + (qkNorm ? 2 * d : 0));
        long embedding = Math.multiplyExact(v, c);
        return Math.addExact(Math.addExact(Math.multiplyExact(layers, perLayer), embedding), c + (tied ? 0 : embedding));
    }

    /** A copy with another context length (a shorter one for small machines). */
    public DecoderConfig withContextLength(int length) {
        return new DecoderConfig(modelType, vocabSize, length, hiddenSize, intermediateSize, numLayers, numHeads,
                numKvHeads, headDim, rmsNormEps, ropeTheta, ropeScaling, tieEmbeddings, qkNorm, attentionBias,
                initializerRange);
    }

    /** HuggingFace's {@code config.json} keys, plus {@code "format": "jgpt"} for a jgpt checkpoint. */
    @Override
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "jgpt");
        m.putAll(fields());
        return new GsonBuilder().setPrettyPrinting().create().toJson(m);
    }

    /**
     * The {@code config.json} of a HuggingFace folder: {@code architectures} ({@code
     * architecture}, e.g. {@code Qwen3ForCausalLM}), {@code hidden_act}, {@code torch_dtype} and
     * every shape field, as {@code transformers} reads them.
     */
    public String toHuggingFaceJson(String architecture, String torchDtype) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(architecture));
        m.putAll(fields());
        m.put("hidden_act", "silu");
        m.put("attention_dropout", 0.0);
        m.put("torch_dtype", torchDtype);
        m.put("use_cache", true);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(m);
    }

    private Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model_type", modelType);
        m.put("vocab_size", vocabSize);
        m.put("max_position_embeddings", contextLength);
        m.put("hidden_size", hiddenSize);
        m.put("intermediate_size", intermediateSize);
        m.put("num_hidden_layers", numLayers);
        m.put("num_attention_heads", numHeads);
        m.put("num_key_value_heads", numKvHeads);
        m.put("head_dim", headDim);
        m.put("rms_norm_eps", rmsNormEps);
        m.put("rope_theta", ropeTheta);
        Map<String, Object> s = null;
        if (ropeScaling != null) {
            s = new LinkedHashMap<>();
            s.put("rope_type", "llama3");
            s.put("factor", ropeScaling.factor());
            s.put("low_freq_factor", ropeScaling.lowFreqFactor());
            s.put("high_freq_factor", ropeScaling.highFreqFactor());
            s.put("original_max_position_embeddings", ropeScaling.originalContext());
        }
        m.put("rope_scaling", s);
        m.put("tie_word_embeddings", tieEmbeddings);
        m.put("attention_bias", attentionBias);
        m.put("initializer_range", initializerRange);
        return m;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s[vocab=%d, context=%d, hidden=%d, intermediate=%d, layers=%d, heads=%d,"
                + " kvHeads=%d, headDim=%d, tied=%b]", modelType, vocabSize, contextLength, hiddenSize,
                intermediateSize, numLayers, numHeads, numKvHeads, headDim, tieEmbeddings);
    }
}
