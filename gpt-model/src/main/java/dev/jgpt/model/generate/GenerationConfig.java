package dev.jgpt.model.generate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.jgpt.model.io.StrictJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The sampling settings a model folder's {@code generation_config.json} recommends (Qwen3:
 * temperature 0.6, top-k 20, top-p 0.95; Llama 3.2: temperature 0.6, top-p 0.9), used where the
 * user gives none, the way {@code transformers}' {@code generate} merges its arguments into the
 * folder's {@code GenerationConfig}: each setting the user gives wins, each one left out comes
 * from the file, and one the file leaves out takes {@code transformers}' default (do_sample false,
 * temperature 1, top-k 50, top-p 1). One difference: a temperature above 0 given by the user
 * samples even where the file says {@code do_sample} false ({@code transformers} would stay
 * greedy and warn). A folder without the file keeps jgpt's own defaults (greedy;
 * no top-k or top-p), so GPT-2 folders generate as before.
 *
 * @param doSample {@code do_sample}, or null when the folder has no file
 * @param temperature {@code temperature}, or null when not given
 * @param topK {@code top_k}, or null when not given
 * @param topP {@code top_p}, or null when not given
 */
public record GenerationConfig(Boolean doSample, Float temperature, Integer topK, Float topP) {

    /** The file name in a model folder. */
    public static final String FILE = "generation_config.json";

    /** A folder without {@code generation_config.json}. */
    public static final GenerationConfig NONE = new GenerationConfig(null, null, null, null);

    /**
     * The settings in {@code dir}'s {@code generation_config.json} ({@link #NONE} without one).
     *
     * @throws IllegalArgumentException naming the file and the field for malformed content
     */
    public static GenerationConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        JsonObject json;
        try {
            json = StrictJson.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e, e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        Boolean doSample = false;
        JsonElement d = json.get("do_sample");
        if (d != null && !d.isJsonNull()) {
            if (!d.isJsonPrimitive() || !d.getAsJsonPrimitive().isBoolean()) {
                throw new IllegalArgumentException(file + ": 'do_sample' must be true or false, got " + d);
            }
            doSample = d.getAsBoolean();
        }
        Double t = number(file, json, "temperature");
        Double k = number(file, json, "top_k");
        Double p = number(file, json, "top_p");
        if (k != null && (k != Math.rint(k) || k < 0 || k > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(file + ": 'top_k' must be a whole number >= 0, got " + k);
        }
        GenerationConfig config = new GenerationConfig(doSample, t == null ? null : t.floatValue(),
                k == null ? null : k.intValue(), p == null ? null : p.floatValue());
        try {
            config.sampling(0, null, null, null, 0); // the file's own settings must be valid
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return config;
    }

    private static Double number(Path file, JsonObject json, String field) {
        JsonElement e = json.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(file + ": '" + field + "' must be a number, got " + e);
        }
        return e.getAsDouble();
    }

    /**
     * Whether the file recommends sampling settings ({@code do_sample} true, or a temperature,
     * top-k or top-p): GPT-2's file names only its token ids, so a server keeps its own defaults
     * (OpenAI's temperature 1) rather than turning greedy.
     */
    public boolean setsSampling() {
        return Boolean.TRUE.equals(doSample) || temperature != null || topK != null || topP != null;
    }

    /**
     * The sampling settings for {@code maxNewTokens} tokens: each of {@code temperature}, {@code
     * topK}, {@code topP} the user gave (non-null) wins, the rest come from this config. No end
     * ids: add the tokenizer's with {@link SamplingConfig#withEndIdsOf}.
     *
     * @throws IllegalArgumentException naming an invalid setting
     */
    public SamplingConfig sampling(int maxNewTokens, Float temperature, Integer topK, Float topP, long seed) {
        boolean fromFile = doSample != null;
        float t;
        if (temperature != null) {
            t = temperature;
        } else if (fromFile && doSample) {
            t = this.temperature == null ? 1f : this.temperature; // transformers' default
        } else {
            t = 0f; // do_sample false (transformers' default), or jgpt's greedy default
        }
        int k = topK != null ? topK : this.topK != null ? this.topK : fromFile && t > 0 ? 50 : 0;
        float p = topP != null ? topP : this.topP != null ? this.topP : 1f;
        return new SamplingConfig(maxNewTokens, t, k, p, new long[0], seed);
    }
}
