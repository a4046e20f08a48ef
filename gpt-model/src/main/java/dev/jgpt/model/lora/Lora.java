package dev.jgpt.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.LoraAdapter;
import dev.jgpt.model.nn.LoraTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LoRA for a {@link CausalLm} of any family: freeze every weight and attach adapters to the
 * linear layers the family names ({@link CausalLm#loraTargets()}; GPT-2: {@code attn.c_attn} as
 * three adapters for query, key and value, {@code attn.c_proj}, {@code mlp.c_fc}, {@code
 * mlp.c_proj}); save the adapters on their own; merge them into the weights for deployment.
 *
 * <p>Files: {@code adapter_config.json} ({@code r}, {@code lora_alpha}, {@code target_modules})
 * and {@code adapter_model.safetensors} with tensors named like {@code h.0.attn.c_attn.lora_A}.
 */
public final class Lora {

    /** The adapter settings file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The adapter weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private Lora() {}

    /**
     * Freezes every parameter of {@code model} and attaches fresh adapters (A random, B zero, so
     * the model's output is unchanged), initialised on {@code manager}.
     *
     * @return the adapters by checkpoint name
     */
    public static Map<String, LoraAdapter> apply(CausalLm model, LoraConfig cfg, NDManager manager) {
        if (!adapters(model).isEmpty()) {
            throw new IllegalStateException("This model already has LoRA adapters");
        }
        model.freezeParameters(true);
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraTarget> t : targets(model).entrySet()) {
            Linear linear = t.getValue().linear();
            out.put(t.getKey(), linear.attachLora(cfg.rank(), cfg.alpha(), t.getValue().groups(), manager));
        }
        return out;
    }

    /** The attached adapters by layer name ({@code h.0.attn.c_attn}, ...); empty if none. */
    public static Map<String, LoraAdapter> adapters(CausalLm model) {
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraTarget> t : targets(model).entrySet()) {
            LoraAdapter a = t.getValue().linear().lora();
            if (a != null) {
                out.put(t.getKey(), a);
            }
        }
        return out;
    }

    /** The settings of the attached adapters, or {@code null} when there are none. */
    public static LoraConfig configOf(CausalLm model) {
        for (LoraAdapter a : adapters(model).values()) {
            return new LoraConfig(a.rank(), a.alpha());
        }
        return null;
    }

    /** The adapters' parameters by tensor name ({@code h.0.attn.c_attn.lora_A}, ...). */
    public static Map<String, Parameter> adapterParameters(CausalLm model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraAdapter> e : adapters(model).entrySet()) {
            out.put(e.getKey() + ".lora_A", e.getValue().a());
            out.put(e.getKey() + ".lora_B", e.getValue().b());
        }
        return out;
    }

    /**
     * Folds every adapter into its weight ({@code W += alpha/r · B A}) and removes it; the weights
     * stay frozen. The merged model computes the same outputs without the adapters' cost.
     */
    public static void merge(CausalLm model) {
        for (LoraTarget t : targets(model).values()) {
            t.linear().mergeLora();
        }
    }

    /** Parameters that training would update (those not frozen), counted from their shapes. */
    public static long trainableParameterCount(Block block) {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getShape().size();
            }
        }
        return n;
    }

    /** Writes the adapters of {@code model} and {@code cfg} to {@code dir}, each file atomically. */
    public static void save(CausalLm model, LoraConfig cfg, Path dir) {
        Map<String, Parameter> params = adapterParameters(model);
        if (params.isEmpty()) {
            throw new IllegalStateException("The model has no LoRA adapters to save");
        }
        try {
            SafeTensorsWriter writer = new SafeTensorsWriter();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray a = e.getValue().getArray();
                writer.add(e.getKey(), a.getShape().getShape(), a.toFloatArray(), SafeTensorsWriter.DType.F32);
            }
            Files.createDirectories(dir);
            writer.write(dir.resolve(WEIGHTS_FILE));
            writeConfig(model, cfg, dir);
        } catch (IOException e) {
            throw new CheckpointException("Cannot save LoRA adapters to " + dir + ": " + e, e);
        }
    }

    /**
     * Writes {@code adapter_config.json} for {@code cfg} into {@code dir}, its {@code
     * target_modules} the last names of {@code model}'s LoRA targets (as peft lists them).
     */
    public static void writeConfig(CausalLm model, LoraConfig cfg, Path dir) throws IOException {
        java.util.Set<String> modules = new java.util.LinkedHashSet<>();
        for (String name : targets(model).keySet()) {
            modules.add(name.substring(name.lastIndexOf('.') + 1));
        }
        JsonObject json = new JsonObject();
        json.addProperty("peft_type", "LORA");
        json.addProperty("r", cfg.rank());
        json.addProperty("lora_alpha", cfg.alpha());
        json.add("target_modules", new Gson().toJsonTree(modules));
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), new Gson().toJson(json));
    }

    /** Reads {@code adapter_config.json} from {@code dir}. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            if (!json.has("r") || !json.has("lora_alpha")) {
                throw new CheckpointException(file + ": expected keys 'r' and 'lora_alpha'");
            }
            return new LoraConfig(json.get("r").getAsInt(), json.get("lora_alpha").getAsFloat());
        } catch (NoSuchFileException e) {
            throw new CheckpointException("LoRA adapter config not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read " + file + ": " + e, e);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException
                | IllegalArgumentException e) {
            throw new CheckpointException(file + " is not a LoRA adapter config: " + e.getMessage(), e);
        }
    }

    /**
     * Attaches the adapters saved in {@code dir} to {@code model} (freezing its weights), checking
     * every tensor's name and shape. If a check fails, the model is left as it was.
     *
     * @throws CheckpointException naming a missing, extra or mis-shaped tensor
     */
    public static LoraConfig load(CausalLm model, Path dir, NDManager manager) {
        LoraConfig cfg = readConfig(dir);
        Map<Parameter, Boolean> trainable = new java.util.HashMap<>();
        model.getParameters().values().forEach(p -> trainable.put(p, p.requiresGradient()));
        apply(model, cfg, manager);
        try {
            fill(model, dir);
        } catch (RuntimeException e) {
            // leave the model as it was: no adapters, the same parameters trainable
            for (LoraTarget t : targets(model).values()) {
                t.linear().detachLora();
            }
            trainable.forEach((p, was) -> p.freeze(!was));
            throw e;
        }
        return cfg;
    }

    private static void fill(CausalLm model, Path dir) {
        Map<String, Parameter> params = adapterParameters(model);
        try (SafeTensors st = SafeTensors.open(dir.resolve(WEIGHTS_FILE))) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                SafeTensors.TensorInfo info = st.tensors().get(e.getKey());
                long[] want = e.getValue().getShape().getShape();
                if (info == null) {
                    throw new CheckpointException(st.file() + ": tensor '" + e.getKey()
                            + "' is missing (the adapters do not fit this model)");
                }
                if (!java.util.Arrays.equals(info.shape(), want)) {
                    throw new CheckpointException(String.format("%s: tensor '%s' has shape %s, but the model"
                            + " expects %s", st.file(), e.getKey(), info.shapeString(),
                            SafeTensors.formatShape(want)));
                }
                e.getValue().getArray().set(st.readFloats(e.getKey()));
            }
            for (String name : st.tensors().keySet()) {
                if (!params.containsKey(name)) {
                    throw new CheckpointException(st.file() + ": unexpected tensor '" + name
                            + "' (the adapters were made for a different model)");
                }
            }
        }
    }

    private static Map<String, LoraTarget> targets(CausalLm model) {
        return model.loraTargets();
    }
}
