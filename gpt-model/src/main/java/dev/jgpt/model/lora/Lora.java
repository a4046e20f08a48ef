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
import dev.jgpt.model.gpt2.GptModel;
import dev.jgpt.model.gpt2.TransformerBlock;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.LoraAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LoRA for a {@link GptModel}: freeze every weight and attach adapters to the four Linear layers
 * of each transformer block ({@code attn.c_attn} as three adapters for query, key and value,
 * {@code attn.c_proj}, {@code mlp.c_fc}, {@code mlp.c_proj}); save the adapters on their own;
 * merge them into the weights for deployment.
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
     * Freezes every parameter of {@code gpt} and attaches fresh adapters (A random, B zero, so
     * the model's output is unchanged), initialised on {@code manager}.
     *
     * @return the adapters by checkpoint name
     */
    public static Map<String, LoraAdapter> apply(GptModel gpt, LoraConfig cfg, NDManager manager) {
        if (!adapters(gpt).isEmpty()) {
            throw new IllegalStateException("This model already has LoRA adapters");
        }
        gpt.freezeParameters(true);
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Target> t : targets(gpt).entrySet()) {
            Linear linear = t.getValue().linear();
            out.put(t.getKey(), linear.attachLora(cfg.rank(), cfg.alpha(), t.getValue().groups(), manager));
        }
        return out;
    }

    /** The attached adapters by layer name ({@code h.0.attn.c_attn}, ...); empty if none. */
    public static Map<String, LoraAdapter> adapters(GptModel gpt) {
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Target> t : targets(gpt).entrySet()) {
            LoraAdapter a = t.getValue().linear().lora();
            if (a != null) {
                out.put(t.getKey(), a);
            }
        }
        return out;
    }

    /** The settings of the attached adapters, or {@code null} when there are none. */
    public static LoraConfig configOf(GptModel gpt) {
        for (LoraAdapter a : adapters(gpt).values()) {
            return new LoraConfig(a.rank(), a.alpha());
        }
        return null;
    }

    /** The adapters' parameters by tensor name ({@code h.0.attn.c_attn.lora_A}, ...). */
    public static Map<String, Parameter> adapterParameters(GptModel gpt) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraAdapter> e : adapters(gpt).entrySet()) {
            out.put(e.getKey() + ".lora_A", e.getValue().a());
            out.put(e.getKey() + ".lora_B", e.getValue().b());
        }
        return out;
    }

    /**
     * Folds every adapter into its weight ({@code W += alpha/r · B A}) and removes it; the weights
     * stay frozen. The merged model computes the same outputs without the adapters' cost.
     */
    public static void merge(GptModel gpt) {
        for (Target t : targets(gpt).values()) {
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

    /** Writes the adapters of {@code gpt} and {@code cfg} to {@code dir}, each file atomically. */
    public static void save(GptModel gpt, LoraConfig cfg, Path dir) {
        Map<String, Parameter> params = adapterParameters(gpt);
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
            writeConfig(cfg, dir);
        } catch (IOException e) {
            throw new CheckpointException("Cannot save LoRA adapters to " + dir + ": " + e, e);
        }
    }

    /** Writes {@code adapter_config.json} for {@code cfg} into {@code dir}. */
    public static void writeConfig(LoraConfig cfg, Path dir) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("peft_type", "LORA");
        json.addProperty("r", cfg.rank());
        json.addProperty("lora_alpha", cfg.alpha());
        json.add("target_modules", new Gson().toJsonTree(new String[] {"c_attn", "c_proj", "c_fc"}));
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
     * Attaches the adapters saved in {@code dir} to {@code gpt} (freezing its weights), checking
     * every tensor's name and shape. If a check fails, the model is left as it was.
     *
     * @throws CheckpointException naming a missing, extra or mis-shaped tensor
     */
    public static LoraConfig load(GptModel gpt, Path dir, NDManager manager) {
        LoraConfig cfg = readConfig(dir);
        Map<Parameter, Boolean> trainable = new java.util.HashMap<>();
        gpt.getParameters().values().forEach(p -> trainable.put(p, p.requiresGradient()));
        apply(gpt, cfg, manager);
        try {
            fill(gpt, dir);
        } catch (RuntimeException e) {
            // leave the model as it was: no adapters, the same parameters trainable
            for (Target t : targets(gpt).values()) {
                t.linear().detachLora();
            }
            trainable.forEach((p, was) -> p.freeze(!was));
            throw e;
        }
        return cfg;
    }

    private static void fill(GptModel gpt, Path dir) {
        Map<String, Parameter> params = adapterParameters(gpt);
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

    private record Target(Linear linear, int groups) {}

    private static Map<String, Target> targets(GptModel gpt) {
        Map<String, Target> out = new LinkedHashMap<>();
        for (int i = 0; i < gpt.blocks().size(); i++) {
            TransformerBlock b = gpt.blocks().get(i);
            String p = "h." + i + ".";
            out.put(p + "attn.c_attn", new Target(b.attn().cAttn(), 3));
            out.put(p + "attn.c_proj", new Target(b.attn().cProj(), 1));
            out.put(p + "mlp.c_fc", new Target(b.mlp().cFc(), 1));
            out.put(p + "mlp.c_proj", new Target(b.mlp().cProj(), 1));
        }
        return out;
    }
}
