package dev.jgpt.model.lora;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.LoraAdapter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * HF peft's layout of LoRA adapters ({@code PeftModel.save_pretrained}): tensors named {@code
 * base_model.model.<module path>.lora_A.weight} {@code (R, in)} and {@code .lora_B.weight} {@code
 * (out, R)} (peft's adapter name {@code default} removed), and {@code adapter_config.json} with
 * peft's {@code LoraConfig} fields, the rank {@code R} and {@code alpha} of a module read from
 * {@code rank_pattern} / {@code alpha_pattern} ({@code get_pattern_key}: a key matches a path it
 * ends after a dot, as a regex) or else {@code r} / {@code lora_alpha}; scale {@code alpha / R}.
 *
 * <p>A grouped adapter ({@link LoraAdapter#groups()} {@code g}: GPT-2's {@code c_attn} with one
 * rank-{@code r} update per q, k, v) is exactly one rank-{@code g·r} adapter: {@code A} stacked
 * {@code (g·r, in)} as jgpt keeps it, {@code B} block-diagonal {@code (out, g·r)} with zeros off
 * the blocks, alpha {@code g·alpha} so the scale stays {@code alpha / r}.
 */
final class PeftLayout {

    /** What peft puts before a module path ({@code PeftModel.base_model.model}). */
    static final String PREFIX = "base_model.model.";

    /** The task types jgpt writes: a language model and a sequence classifier. */
    static final String CAUSAL_LM = "CAUSAL_LM";

    static final String SEQ_CLS = "SEQ_CLS";

    private PeftLayout() {}

    /** {@code base_model.model.<path>.lora_A.weight}. */
    static String tensorA(String path) {
        return PREFIX + path + ".lora_A.weight";
    }

    /** {@code base_model.model.<path>.lora_B.weight}. */
    static String tensorB(String path) {
        return PREFIX + path + ".lora_B.weight";
    }

    /** peft's rank of {@code adapter}: {@code groups · rank}. */
    static int rank(LoraAdapter adapter) {
        return adapter.groups() * adapter.rank();
    }

    /** peft's alpha of {@code adapter}: {@code groups · alpha}, so {@code alpha / rank} is unchanged. */
    static float alpha(LoraAdapter adapter) {
        return adapter.groups() * adapter.alpha();
    }

    /** peft's dense {@code B} {@code (out, g·r)} of a grouped {@code b} {@code (out, r)}: block-diagonal. */
    static float[] denseB(LoraAdapter adapter, float[] b) {
        int g = adapter.groups();
        int r = adapter.rank();
        int out = adapter.out();
        if (g == 1) {
            return b;
        }
        int rr = g * r;
        int og = out / g;
        float[] d = new float[out * rr];
        for (int i = 0; i < out; i++) {
            System.arraycopy(b, i * r, d, i * rr + (i / og) * r, r);
        }
        return d;
    }

    /**
     * The grouped {@code B} {@code (out, R/g)} of a dense {@code b} {@code (out, R)} that is
     * block-diagonal in {@code g} blocks, or {@code null} if {@code g} does not divide both sizes
     * or an entry off the blocks is not zero (then the adapter must stay dense).
     */
    static float[] groupedB(float[] b, int out, int rr, int g) {
        if (g < 2 || rr % g != 0 || out % g != 0) {
            return null;
        }
        int r = rr / g;
        int og = out / g;
        float[] res = new float[out * r];
        for (int i = 0; i < out; i++) {
            int block = i / og;
            for (int j = 0; j < rr; j++) {
                float v = b[i * rr + j];
                if (j / r == block) {
                    res[i * r + j % r] = v;
                } else if (v != 0f) {
                    return null;
                }
            }
        }
        return res;
    }

    /** {@code f} as JSON: an integer when it is one ({@code 16}, not {@code 16.0}), as peft writes. */
    static JsonPrimitive number(float f) {
        return f == Math.rint(f) && Math.abs(f) < 1e9 ? new JsonPrimitive((long) f) : new JsonPrimitive(f);
    }

    /** The value {@code patterns} gives the module at {@code path} (peft's {@code get_pattern_key}), or null. */
    static JsonElement pattern(JsonObject patterns, String path) {
        if (patterns == null) {
            return null;
        }
        for (Map.Entry<String, JsonElement> e : patterns.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(path).matches()) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * {@code adapter_config.json} with the fields peft's {@code LoraConfig} accepts (older peft
     * rejects unknown keys).
     */
    static JsonObject config(LoraConfig cfg, List<String> targetModules, JsonObject rankPattern,
            JsonObject alphaPattern, boolean fanInFanOut, String taskType, String baseModel) {
        JsonObject json = new JsonObject();
        json.addProperty("peft_type", "LORA");
        json.addProperty("task_type", taskType);
        json.add("base_model_name_or_path", baseModel == null ? JsonNull.INSTANCE : new JsonPrimitive(baseModel));
        json.addProperty("inference_mode", true);
        json.addProperty("r", cfg.rank());
        json.add("lora_alpha", number(cfg.alpha()));
        json.addProperty("lora_dropout", 0.0);
        if (cfg.targetRegex() != null) {
            json.addProperty("target_modules", cfg.targetRegex());
        } else {
            json.add("target_modules", new Gson().toJsonTree(targetModules));
        }
        json.addProperty("fan_in_fan_out", fanInFanOut);
        json.addProperty("bias", "none");
        json.add("modules_to_save", JsonNull.INSTANCE);
        json.addProperty("init_lora_weights", true);
        json.addProperty("use_rslora", false);
        json.addProperty("use_dora", false);
        json.add("rank_pattern", rankPattern);
        json.add("alpha_pattern", alphaPattern);
        return json;
    }

    /** What {@code adapter_config.json} says, checked. */
    record Settings(LoraConfig config, String taskType, JsonObject rankPattern, JsonObject alphaPattern) {

        /** peft's rank for the module at {@code path}. */
        int rank(String path) {
            JsonElement v = pattern(rankPattern, path);
            return v == null ? config.rank() : v.getAsInt();
        }

        /** peft's alpha for the module at {@code path}. */
        float alpha(String path) {
            JsonElement v = pattern(alphaPattern, path);
            return v == null ? config.alpha() : v.getAsFloat();
        }
    }

    /**
     * Reads and checks {@code json} (from {@code file}), refusing settings jgpt's adapters cannot
     * compute: another {@code peft_type}, DoRA, rsLoRA, biases, extra trained modules for a
     * language model, layer selections.
     *
     * @throws CheckpointException naming the file and the setting
     */
    static Settings settings(Path file, JsonObject json) {
        String type = string(json, "peft_type");
        if (type != null && !type.equals("LORA")) {
            throw unsupported(file, "peft_type", json, "only LORA adapters are supported");
        }
        if (bool(json, "use_dora")) {
            throw unsupported(file, "use_dora", json, "DoRA adapters are not supported");
        }
        if (bool(json, "use_rslora")) {
            throw unsupported(file, "use_rslora", json, "rank-stabilised LoRA (scale alpha/sqrt(r)) is not"
                    + " supported; jgpt scales by alpha/r");
        }
        String bias = string(json, "bias");
        if (bias != null && !bias.equals("none")) {
            throw unsupported(file, "bias", json, "adapters with trained biases are not supported");
        }
        if (bool(json, "lora_bias")) {
            throw unsupported(file, "lora_bias", json, "adapters with a bias on lora_B are not supported");
        }
        String task = string(json, "task_type");
        if (present(json, "modules_to_save") && !SEQ_CLS.equals(task)) {
            throw unsupported(file, "modules_to_save", json, "fully trained extra modules are not supported"
                    + " for " + (task == null ? "an adapter without task_type" : task));
        }
        for (String key : List.of("layers_to_transform", "layers_pattern", "exclude_modules",
                "layer_replication", "trainable_token_indices", "target_parameters")) {
            if (present(json, key)) {
                throw unsupported(file, key, json, "jgpt adapts whole modules chosen by target_modules only");
            }
        }
        if (!json.has("r") || !json.has("lora_alpha")) {
            throw new CheckpointException(file + ": expected keys 'r' and 'lora_alpha'");
        }
        LoraConfig cfg = LoraConfig.of(json.get("r").getAsInt(), json.get("lora_alpha").getAsFloat(),
                json.get("target_modules"));
        return new Settings(cfg, task, object(json, "rank_pattern"), object(json, "alpha_pattern"));
    }

    private static CheckpointException unsupported(Path file, String key, JsonObject json, String why) {
        return new CheckpointException(file + ": unsupported setting " + key + " = " + json.get(key) + " (" + why + ")");
    }

    private static boolean present(JsonObject json, String key) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return false;
        }
        return !(e.isJsonArray() && e.getAsJsonArray().isEmpty()
                || e.isJsonObject() && e.getAsJsonObject().isEmpty());
    }

    private static String string(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static boolean bool(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e != null && !e.isJsonNull() && e.getAsBoolean();
    }

    private static JsonObject object(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsJsonObject();
    }
}
