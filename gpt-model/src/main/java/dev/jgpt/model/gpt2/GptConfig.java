package dev.jgpt.model.gpt2;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.io.JsonFields;
import dev.jgpt.model.nn.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shape of a GPT-2-style model: the book's {@code GPT_CONFIG_124M} dictionary as an
 * immutable, validated record.
 *
 * <p>The presets follow the book's {@code GPTModel}: no query/key/value bias and an output head
 * that is <em>not</em> tied to the token embedding, which is why GPT-2 124M reports 163,009,536
 * parameters. OpenAI's released checkpoints use a qkv bias and a tied head; {@link
 * #fromHuggingFace(JsonObject)} reads those settings from a HuggingFace {@code config.json}.
 *
 * @param vocabSize number of token ids (50,257 for GPT-2)
 * @param contextLength the longest sequence the position embedding covers
 * @param embedDim width of the residual stream, {@code C}
 * @param numHeads attention heads per layer; must divide {@code embedDim}
 * @param numLayers number of transformer blocks
 * @param dropRate dropout after embeddings, on attention weights and on each residual branch
 * @param qkvBias whether the query/key/value projection has a bias
 * @param tieEmbeddings whether the output head reuses the token-embedding matrix
 * @param layerNormEps epsilon of every layer norm
 */
public record GptConfig(
        int vocabSize,
        int contextLength,
        int embedDim,
        int numHeads,
        int numLayers,
        float dropRate,
        boolean qkvBias,
        boolean tieEmbeddings,
        float layerNormEps) implements ModelConfig {

    /** GPT-2's vocabulary size. */
    public static final int GPT2_VOCAB_SIZE = 50257;

    /** The names {@link #preset(String)} accepts, in size order. */
    public static final List<String> PRESET_NAMES =
            List.of("tiny", "mini", "124M", "355M", "774M", "1558M");

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** Validates every field; the message names the field and its value. */
    public GptConfig {
        requirePositive("vocabSize", vocabSize);
        requirePositive("contextLength", contextLength);
        requirePositive("embedDim", embedDim);
        requirePositive("numHeads", numHeads);
        requirePositive("numLayers", numLayers);
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "GptConfig.embedDim (%d) must be divisible by numHeads (%d)",
                            embedDim,
                            numHeads));
        }
        if (!(dropRate >= 0f && dropRate < 1f)) {
            throw new IllegalArgumentException(
                    "GptConfig.dropRate must be in [0, 1), got " + dropRate);
        }
        if (!(layerNormEps > 0f) || Float.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException(
                    "GptConfig.layerNormEps must be a positive number, got " + layerNormEps);
        }
        try {
            count(vocabSize, contextLength, embedDim, numLayers, qkvBias, tieEmbeddings); // fields are unset here
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "GptConfig: embedDim %d, numLayers %d and"
                    + " vocabSize %d give more parameters than a 64-bit count holds", embedDim, numLayers, vocabSize), e);
        }
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(
                    "GptConfig." + field + " must be positive, got " + value);
        }
    }

    /** The book's GPT-2 124M configuration (768 wide, 12 heads, 12 layers). */
    public static GptConfig gpt2Small() {
        return new GptConfig(GPT2_VOCAB_SIZE, 1024, 768, 12, 12, 0.1f, false, false, 1e-5f);
    }

    /** GPT-2 355M ("medium"): 1024 wide, 16 heads, 24 layers. */
    public static GptConfig gpt2Medium() {
        return new GptConfig(GPT2_VOCAB_SIZE, 1024, 1024, 16, 24, 0.1f, false, false, 1e-5f);
    }

    /** GPT-2 774M ("large"): 1280 wide, 20 heads, 36 layers. */
    public static GptConfig gpt2Large() {
        return new GptConfig(GPT2_VOCAB_SIZE, 1024, 1280, 20, 36, 0.1f, false, false, 1e-5f);
    }

    /** GPT-2 1558M ("xl"): 1600 wide, 25 heads, 48 layers. */
    public static GptConfig gpt2Xl() {
        return new GptConfig(GPT2_VOCAB_SIZE, 1024, 1600, 25, 48, 0.1f, false, false, 1e-5f);
    }

    /** A model small enough for unit tests: GPT-2's vocabulary, 64 positions, 2 layers of 32. */
    public static GptConfig tiny() {
        return new GptConfig(GPT2_VOCAB_SIZE, 64, 32, 4, 2, 0.0f, true, true, 1e-5f);
    }

    /**
     * A small model that learns the-verdict in minutes on a laptop CPU: 256 wide, 4 heads, 4
     * layers, context 256, head tied to the embedding (about 16M parameters).
     */
    public static GptConfig mini() {
        return new GptConfig(GPT2_VOCAB_SIZE, 256, 256, 4, 4, 0.1f, false, true, 1e-5f);
    }

    /**
     * A preset by name: {@code tiny}, {@code mini}, {@code 124M}, {@code 355M}, {@code 774M}, {@code 1558M}, or
     * the HuggingFace names {@code gpt2}, {@code gpt2-medium}, {@code gpt2-large}, {@code gpt2-xl}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static GptConfig preset(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny":
                return tiny();
            case "mini":
                return mini();
            case "124m":
            case "gpt2":
            case "gpt2-small":
                return gpt2Small();
            case "355m":
            case "gpt2-medium":
                return gpt2Medium();
            case "774m":
            case "gpt2-large":
                return gpt2Large();
            case "1558m":
            case "gpt2-xl":
                return gpt2Xl();
            default:
                throw new IllegalArgumentException(
                        "Unknown model preset '"
                                + name
                                + "'; known presets: "
                                + String.join(", ", PRESET_NAMES)
                                + " (or gpt2, gpt2-medium, gpt2-large, gpt2-xl)");
        }
    }

    /** The HuggingFace {@code model_type}, {@code gpt2}. */
    @Override
    public String modelType() {
        return "gpt2";
    }

    /** {@link #embedDim}, by its family-neutral name. */
    @Override
    public int hiddenSize() {
        return embedDim;
    }

    /** GPT-2 attends with every head's own keys and values. */
    @Override
    public int numKvHeads() {
        return numHeads;
    }

    /** The head dimension {@code C / H}. */
    @Override
    public int headDim() {
        return embedDim / numHeads;
    }

    /** A copy with another context length. */
    public GptConfig withContextLength(int length) {
        return new GptConfig(
                vocabSize, length, embedDim, numHeads, numLayers, dropRate, qkvBias,
                tieEmbeddings, layerNormEps);
    }

    /** A copy with another dropout rate (0 for inference-only use). */
    public GptConfig withDropRate(float rate) {
        return new GptConfig(
                vocabSize, contextLength, embedDim, numHeads, numLayers, rate, qkvBias,
                tieEmbeddings, layerNormEps);
    }

    /** A copy with or without the query/key/value bias. */
    public GptConfig withQkvBias(boolean bias) {
        return new GptConfig(
                vocabSize, contextLength, embedDim, numHeads, numLayers, dropRate, bias,
                tieEmbeddings, layerNormEps);
    }

    /** A copy whose output head is (or is not) tied to the token embedding. */
    public GptConfig withTiedEmbeddings(boolean tied) {
        return new GptConfig(
                vocabSize, contextLength, embedDim, numHeads, numLayers, dropRate, qkvBias,
                tied, layerNormEps);
    }

    /**
     * The number of parameters this configuration has, counted from the formula (no arrays are
     * allocated). {@code GptModel#parameterCount()} counts the same thing from the built blocks.
     */
    @Override
    public long parameterCount() {
        return count(vocabSize, contextLength, embedDim, numLayers, qkvBias, tieEmbeddings);
    }

    /** The formula, in exact arithmetic: a crafted config must not wrap around to a small count. */
    private static long count(int vocabSize, int contextLength, int embedDim, int numLayers, boolean qkvBias,
            boolean tieEmbeddings) {
        long c = embedDim;
        long cc = Math.multiplyExact(c, c);
        // 12 C^2 of matrices (c_attn 3, attn.c_proj 1, mlp.c_fc 4, mlp.c_proj 4); 10 C of biases and norms
        long perLayer = Math.addExact(Math.multiplyExact(12, cc), (qkvBias ? 3 * c : 0) + 10 * c);
        long embeddings = Math.multiplyExact((long) vocabSize + contextLength, c);
        long head = tieEmbeddings ? 0 : Math.multiplyExact((long) vocabSize, c);
        return Math.addExact(Math.addExact(embeddings, Math.multiplyExact(numLayers, perLayer)), 2 * c + head);
    }

    /** Bytes the parameters take in fp32. */
    public long fp32Bytes() {
        return parameterCount() * Float.BYTES;
    }

    /** This configuration in the project's own JSON form (the book's key names). */
    @Override
    public String toJson() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("format", "jgpt");
        map.put("model_type", modelType());
        map.put("vocab_size", vocabSize);
        map.put("context_length", contextLength);
        map.put("emb_dim", embedDim);
        map.put("n_heads", numHeads);
        map.put("n_layers", numLayers);
        map.put("drop_rate", dropRate);
        map.put("qkv_bias", qkvBias);
        map.put("tie_embeddings", tieEmbeddings);
        map.put("layer_norm_eps", layerNormEps);
        return GSON.toJson(map);
    }

    /**
     * Reads either the project's own JSON ({@link #toJson()}) or a HuggingFace GPT-2 {@code
     * config.json}, whichever the text is.
     *
     * @throws IllegalArgumentException if the text is not JSON or lacks a required field
     */
    public static GptConfig fromJson(String json) {
        JsonObject obj;
        try {
            JsonElement element = dev.jgpt.model.io.StrictJson.parse(json);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("Model config is not a JSON object");
            }
            obj = element.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("Model config is not valid JSON: " + e.getMessage(), e);
        }
        return fromJson(obj);
    }

    /**
     * {@link #fromJson(String)} of a parsed object: the project's own form when it says {@code
     * "format": "jgpt"} or has the book's {@code emb_dim}, else HuggingFace's.
     */
    public static GptConfig fromJson(JsonObject obj) {
        boolean jgpt = "jgpt".equals(stringField(obj, "format", "")) || obj.has("emb_dim");
        if (!jgpt) {
            return fromHuggingFace(obj);
        }
        return new GptConfig(
                intField(obj, "vocab_size"),
                intField(obj, "context_length"),
                intField(obj, "emb_dim"),
                intField(obj, "n_heads"),
                intField(obj, "n_layers"),
                floatField(obj, "drop_rate", 0.1f),
                boolField(obj, "qkv_bias", false),
                boolField(obj, "tie_embeddings", false),
                floatField(obj, "layer_norm_eps", 1e-5f));
    }

    /**
     * Reads a HuggingFace {@code GPT2Config} ({@code n_embd}, {@code n_layer}, {@code n_head},
     * {@code n_positions}, ...). GPT-2 checkpoints always have a qkv bias; the head is tied unless
     * {@code tie_word_embeddings} is false. The residual dropout ({@code resid_pdrop}) is used for
     * every dropout site.
     *
     * @throws IllegalArgumentException for a model type or activation this model cannot run
     */
    public static GptConfig fromHuggingFace(JsonObject obj) {
        String type = stringField(obj, "model_type", "gpt2");
        if (!"gpt2".equals(type)) {
            throw new IllegalArgumentException(
                    "config.json: model_type '" + type + "' is not supported (expected 'gpt2')");
        }
        String activation = stringField(obj, "activation_function", "gelu_new");
        if (!List.of("gelu_new", "gelu_pytorch_tanh", "gelu_fast").contains(activation)) {
            throw new IllegalArgumentException(
                    "config.json: activation_function '"
                            + activation
                            + "' is not supported (GPT-2 uses the tanh GELU, 'gelu_new')");
        }
        int embed = intField(obj, "n_embd");
        if (obj.has("n_inner") && !obj.get("n_inner").isJsonNull()
                && (long) intField(obj, "n_inner") != 4L * embed) {
            throw new IllegalArgumentException(
                    "config.json: n_inner "
                            + obj.get("n_inner")
                            + " is not supported (the feed-forward width is 4 * n_embd = "
                            + 4 * embed
                            + ")");
        }
        return new GptConfig(
                intField(obj, "vocab_size"),
                intField(obj, "n_positions"),
                embed,
                intField(obj, "n_head"),
                intField(obj, "n_layer"),
                floatField(obj, "resid_pdrop", 0.1f),
                true,
                boolField(obj, "tie_word_embeddings", true),
                floatField(obj, "layer_norm_epsilon", 1e-5f));
    }

    private static int intField(JsonObject obj, String name) {
        return JsonFields.positiveInt(obj, name);
    }

    private static float floatField(JsonObject obj, String name, float fallback) {
        return (float) JsonFields.number(obj, name, fallback);
    }

    private static boolean boolField(JsonObject obj, String name, boolean fallback) {
        return JsonFields.bool(obj, name, fallback);
    }

    private static String stringField(JsonObject obj, String name, String fallback) {
        return JsonFields.string(obj, name, fallback);
    }

    /** A one-line summary: widths, heads, layers and the parameter count. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "GptConfig[vocab=%d, context=%d, emb=%d, heads=%d, layers=%d, dropout=%.2f,"
                        + " qkvBias=%b, tied=%b, eps=%.0e]",
                vocabSize,
                contextLength,
                embedDim,
                numHeads,
                numLayers,
                dropRate,
                qkvBias,
                tieEmbeddings,
                layerNormEps);
    }
}
