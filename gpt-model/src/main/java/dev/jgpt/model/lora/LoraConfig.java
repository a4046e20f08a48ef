package dev.jgpt.model.lora;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;

/**
 * LoRA settings, as HF peft's {@code LoraConfig} names them.
 *
 * @param rank the rank {@code r} of each adapter (the book's appendix E uses 16)
 * @param alpha the scaling numerator: updates are multiplied by {@code alpha / rank}, the
 *     convention of the LoRA paper and HF peft. (The book's {@code LoRALayer} multiplies by
 *     {@code alpha} alone, so its {@code alpha = 16, r = 16} is {@code alpha = 256} here.)
 * @param targetModules peft's {@code target_modules}: the layers to adapt, each entry matching a
 *     module whose HF path ({@code model.layers.0.self_attn.q_proj}, {@code
 *     transformer.h.0.attn.c_attn}) equals it or ends with {@code "." + entry} ({@code q_proj},
 *     {@code v_proj}, {@code attn.c_proj}); {@code ["all-linear"]}, {@code null} or empty: every
 *     layer the family offers ({@link dev.jgpt.model.nn.CausalLm#loraTargets()})
 * @param targetRegex peft's string form of {@code target_modules}: a regular expression the whole
 *     module path must match; {@code null} when {@code targetModules} says what to adapt
 */
public record LoraConfig(int rank, float alpha, List<String> targetModules, String targetRegex) {

    /** peft's name for "every linear layer but the output head". */
    public static final String ALL_LINEAR = "all-linear";

    /** Validates; an empty list or {@code ["all-linear"]} becomes {@code null} (every target). */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        }
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
        }
        if (targetModules != null) {
            for (String t : targetModules) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException("LoRA target module names must not be blank: "
                            + targetModules);
                }
            }
            targetModules = targetModules.isEmpty() || targetModules.equals(List.of(ALL_LINEAR))
                    ? null : List.copyOf(targetModules);
        }
        if (targetRegex != null) {
            if (targetModules != null) {
                throw new IllegalArgumentException("Give LoRA target modules as names or as a regex, not both");
            }
            if (targetRegex.equals(ALL_LINEAR)) {
                targetRegex = null;
            } else {
                try {
                    java.util.regex.Pattern.compile(targetRegex);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new IllegalArgumentException("LoRA target_modules is not a valid regex: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** Adapters on every layer the family offers (peft's {@code all-linear}). */
    public LoraConfig(int rank, float alpha) {
        this(rank, alpha, null, null);
    }

    /** Adapters on the layers {@code targetModules} names ({@code null}: every one). */
    public LoraConfig(int rank, float alpha, List<String> targetModules) {
        this(rank, alpha, targetModules, null);
    }

    /**
     * The settings with peft's JSON {@code target_modules}: a string is the regex, a list the
     * names, anything else (absent, {@code null}) every target.
     */
    public static LoraConfig of(int rank, float alpha, JsonElement targetModules) {
        if (targetModules != null && targetModules.isJsonPrimitive()) {
            return new LoraConfig(rank, alpha, null, targetModules.getAsString());
        }
        List<String> names = null;
        if (targetModules != null && targetModules.isJsonArray()) {
            names = new ArrayList<>();
            for (JsonElement e : targetModules.getAsJsonArray()) {
                names.add(e.getAsString());
            }
        }
        return new LoraConfig(rank, alpha, names, null);
    }

    /** {@code target_modules} as {@link #of} reads it: the regex, the names, or {@code null} for every target. */
    public JsonElement targetModulesJson() {
        if (targetRegex != null) {
            return new JsonPrimitive(targetRegex);
        }
        if (targetModules == null) {
            return null;
        }
        JsonArray names = new JsonArray();
        targetModules.forEach(names::add);
        return names;
    }

    /** Whether every layer the family offers is adapted. */
    public boolean targetsAll() {
        return targetModules == null && targetRegex == null;
    }

    /**
     * Whether a module of HF path {@code path} is a target, as peft's {@code
     * check_target_module_exists} decides: a name equal to the path or ending it after a dot, or
     * the regex matching the whole path.
     */
    public boolean targets(String path) {
        if (targetRegex != null) {
            return java.util.regex.Pattern.compile(targetRegex).matcher(path).matches();
        }
        if (targetModules == null) {
            return true;
        }
        for (String t : targetModules) {
            if (matches(t, path)) {
                return true;
            }
        }
        return false;
    }

    /** Whether list entry {@code name} selects the module at {@code path}. */
    static boolean matches(String name, String path) {
        return path.equals(name) || path.endsWith("." + name);
    }
}
