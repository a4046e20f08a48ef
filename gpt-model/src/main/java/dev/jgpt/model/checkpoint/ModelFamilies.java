package dev.jgpt.model.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.jgpt.model.gpt2.Gpt2Family;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.StrictJson;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of model families by HuggingFace {@code model_type}: loading a folder reads its
 * {@code config.json}, picks the family named there and lets it parse the rest. A {@code
 * config.json} without {@code model_type} is GPT-2's (the book's config dictionaries and jgpt
 * checkpoints written before families had none).
 */
public final class ModelFamilies {

    /** The config file of a model folder. */
    public static final String CONFIG_FILE = "config.json";

    private static final String DEFAULT_TYPE = "gpt2";
    private static final Map<String, ModelFamily> FAMILIES = new ConcurrentHashMap<>();

    static {
        register(Gpt2Family.INSTANCE);
        register(dev.jgpt.model.qwen3.Qwen3Family.INSTANCE);
        register(dev.jgpt.model.llama.LlamaFamily.INSTANCE);
    }

    private ModelFamilies() {}

    /** Adds (or replaces) the family for its {@code model_type}. */
    public static void register(ModelFamily family) {
        FAMILIES.put(family.modelType(), family);
    }

    /** The known {@code model_type}s, sorted. */
    public static List<String> knownTypes() {
        List<String> types = new ArrayList<>(FAMILIES.keySet());
        types.sort(null);
        return types;
    }

    /**
     * The family of {@code modelType}.
     *
     * @throws CheckpointException for an unknown type, listing the known ones
     */
    public static ModelFamily forType(String modelType) {
        ModelFamily family = FAMILIES.get(modelType);
        if (family == null) {
            throw new CheckpointException("model_type '" + modelType + "' is not supported; known: "
                    + String.join(", ", knownTypes()));
        }
        return family;
    }

    /**
     * The config of a preset of any family ({@code 124M}, {@code qwen3-0.6b}, {@code
     * llama3.2-1b}, ...).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static ModelConfig preset(String name) {
        List<String> known = new ArrayList<>();
        for (String type : knownTypes()) {
            ModelFamily family = FAMILIES.get(type);
            try {
                return family.preset(name); // a family may accept aliases (gpt2-medium for 355M)
            } catch (IllegalArgumentException notThisFamily) {
                known.addAll(family.presetNames());
            }
        }
        throw new IllegalArgumentException("Unknown model preset '" + name + "'; known presets: "
                + String.join(", ", known) + " (or gpt2, gpt2-medium, gpt2-large, gpt2-xl)");
    }

    /** The family of {@code config}. */
    public static ModelFamily of(ModelConfig config) {
        return forType(config.modelType());
    }

    /**
     * The family named by a parsed {@code config.json} ({@code model_type}; GPT-2 when absent).
     *
     * @throws CheckpointException for an unknown or non-text {@code model_type}
     */
    public static ModelFamily of(JsonObject config) {
        JsonElement type = config.get("model_type");
        if (type == null || type.isJsonNull()) {
            return forType(DEFAULT_TYPE);
        }
        if (!type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()) {
            throw new CheckpointException("model_type must be a string, got " + type);
        }
        return forType(type.getAsString());
    }

    /**
     * Reads {@code file} (a {@code config.json}) with the family it names.
     *
     * @throws CheckpointException naming the file and the problem
     */
    public static ModelConfig readConfig(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Model config not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read model config " + file + ": " + e, e);
        }
        try {
            JsonElement element = StrictJson.parse(text); // a field named twice is an error, not the last one
            if (!element.isJsonObject()) {
                throw new CheckpointException(file + ": Model config is not a JSON object");
            }
            JsonObject json = element.getAsJsonObject();
            return of(json).parseConfig(json);
        } catch (StrictJson.DuplicateKeyException e) {
            throw new CheckpointException(file + ": the field " + e.getMessage() + " is given twice", e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file + ": Model config is not valid JSON: " + e.getMessage(), e);
        } catch (CheckpointException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new CheckpointException(file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }
}
