package dev.jgpt.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.LoraAdapter;
import dev.jgpt.model.nn.LoraTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LoRA for a {@link CausalLm} of any family: freeze every weight and attach adapters to the
 * linear layers {@link LoraConfig#targetModules()} selects among those the family offers ({@link
 * CausalLm#loraTargets()}; GPT-2: {@code attn.c_attn} as three adapters for query, key and value,
 * {@code attn.c_proj}, {@code mlp.c_fc}, {@code mlp.c_proj}); save the adapters on their own in HF
 * peft's layout; merge them into the weights for deployment.
 *
 * <p>Files, as {@code peft}'s {@code save_pretrained} writes them (so {@code
 * PeftModel.from_pretrained} reads them): {@code adapter_config.json} (peft's {@code LoraConfig}:
 * {@code peft_type}, {@code task_type}, {@code r}, {@code lora_alpha}, {@code target_modules},
 * {@code fan_in_fan_out}, {@code rank_pattern}, {@code alpha_pattern}, ...) and {@code
 * adapter_model.safetensors} with, per adapted module, {@code
 * base_model.model.<HF module path>.lora_A.weight} {@code (R, in)} and {@code .lora_B.weight}
 * {@code (out, R)} (qwen3, llama: {@code model.layers.0.self_attn.q_proj}; GPT-2: {@code
 * transformer.h.0.attn.c_attn}). GPT-2's grouped {@code c_attn} (three rank-{@code r} adapters,
 * the book's structure, which new adapters keep) is saved as the equal rank-{@code 3r} adapter,
 * {@code lora_B} block-diagonal, with {@code rank_pattern {"c_attn": 3r}} and {@code
 * alpha_pattern {"c_attn": 3·alpha}}.
 *
 * <p>{@link #load} reads that layout (from jgpt or peft) and jgpt's earlier one (tensors named
 * {@code h.0.attn.c_attn.lora_A}). A peft adapter on a fused layer whose {@code lora_B} is
 * block-diagonal loads grouped; any other loads as one dense adapter.
 */
public final class Lora {

    /** The adapter settings file. */
    public static final String CONFIG_FILE = "adapter_config.json";

    /** The adapter weights file. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** peft's {@code task_type} for a language model. */
    public static final String CAUSAL_LM = PeftLayout.CAUSAL_LM;

    /** peft's {@code task_type} for a sequence classifier (adapters on its body). */
    public static final String SEQ_CLS = PeftLayout.SEQ_CLS;

    private Lora() {}

    /**
     * Freezes every parameter of {@code model} and attaches fresh adapters (A random, B zero, so
     * the model's output is unchanged) to the layers {@code cfg} targets, initialised on {@code
     * manager}.
     *
     * @return the adapters by module name ({@code h.0.attn.c_attn}, {@code
     *     model.layers.0.self_attn.q_proj}, ...)
     * @throws IllegalArgumentException if a target module matches no layer of {@code model}
     */
    public static Map<String, LoraAdapter> apply(CausalLm model, LoraConfig cfg, NDManager manager) {
        if (!adapters(model).isEmpty()) {
            throw new IllegalStateException("This model already has LoRA adapters");
        }
        Map<String, LoraTarget> selected = targets(model, cfg);
        model.freezeParameters(true);
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraTarget> t : selected.entrySet()) {
            out.put(t.getKey(), t.getValue().linear().attachLora(cfg.rank(), cfg.alpha(), t.getValue().groups(),
                    manager));
        }
        return out;
    }

    /**
     * The layers of {@code model} that {@code cfg} targets, by module name, matched as peft does
     * against their HF module paths ({@link CausalLm#loraModulePath}).
     *
     * @throws IllegalArgumentException naming a target that matches nothing and the family's
     *     module names
     */
    public static Map<String, LoraTarget> targets(CausalLm model, LoraConfig cfg) {
        Map<String, LoraTarget> all = model.loraTargets();
        Map<String, LoraTarget> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraTarget> t : all.entrySet()) {
            if (cfg.targets(model.loraModulePath(t.getKey()))) {
                out.put(t.getKey(), t.getValue());
            }
        }
        List<String> unmatched = new ArrayList<>();
        if (cfg.targetModules() != null) {
            for (String name : cfg.targetModules()) {
                if (all.keySet().stream().noneMatch(k -> LoraConfig.matches(name, model.loraModulePath(k)))) {
                    unmatched.add(name);
                }
            }
        } else if (cfg.targetRegex() != null && out.isEmpty()) {
            unmatched.add(cfg.targetRegex());
        }
        if (!unmatched.isEmpty() || out.isEmpty()) {
            String first = all.isEmpty() ? "" : model.loraModulePath(all.keySet().iterator().next());
            throw new IllegalArgumentException("LoRA target modules " + unmatched + " match no layer of this model;"
                    + " its modules are " + String.join(", ", lastNames(all.keySet())) + " or '"
                    + LoraConfig.ALL_LINEAR + "' (matched against paths like " + first + ")");
        }
        return out;
    }

    /** The attached adapters by module name ({@code h.0.attn.c_attn}, ...); empty if none. */
    public static Map<String, LoraAdapter> adapters(CausalLm model) {
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LoraTarget> t : model.loraTargets().entrySet()) {
            LoraAdapter a = t.getValue().linear().lora();
            if (a != null) {
                out.put(t.getKey(), a);
            }
        }
        return out;
    }

    /**
     * The settings that {@link #apply} would attach the model's adapters with ({@code
     * targetModules} {@code null} when every target is adapted), or {@code null} when there are
     * none.
     *
     * @throws IllegalStateException when no single config describes them (adapters of several
     *     ranks, or a dense adapter on a fused layer, as a peft file may hold)
     */
    public static LoraConfig configOf(CausalLm model) {
        LoraConfig cfg = describe(model);
        if (cfg == null && !adapters(model).isEmpty()) {
            throw new IllegalStateException("This model's LoRA adapters differ in rank, alpha or grouping (as loaded"
                    + " from a peft file with rank_pattern): no single LoRA config describes them");
        }
        return cfg;
    }

    private static LoraConfig describe(CausalLm model) {
        Map<String, LoraTarget> all = model.loraTargets();
        Integer rank = null;
        Float alpha = null;
        List<String> adapted = new ArrayList<>();
        for (Map.Entry<String, LoraTarget> t : all.entrySet()) {
            LoraAdapter a = t.getValue().linear().lora();
            if (a == null) {
                continue;
            }
            if (a.groups() != t.getValue().groups() || rank != null && (a.rank() != rank || a.alpha() != alpha)) {
                return null;
            }
            rank = a.rank();
            alpha = a.alpha();
            adapted.add(t.getKey());
        }
        if (rank == null) {
            return null;
        }
        if (adapted.size() == all.size()) {
            return new LoraConfig(rank, alpha);
        }
        LoraConfig byName = new LoraConfig(rank, alpha, lastNames(adapted));
        if (targets(model, byName).keySet().equals(new LinkedHashSet<>(adapted))) {
            return byName;
        }
        return new LoraConfig(rank, alpha, adapted.stream().map(model::loraModulePath).toList());
    }

    /** The adapters' parameters by jgpt's names ({@code h.0.attn.c_attn.lora_A}, ...), as training checkpoints keep them. */
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
        for (LoraTarget t : model.loraTargets().values()) {
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

    /** {@link #save(CausalLm, LoraConfig, Path, String, String)} for a language model of unknown origin. */
    public static void save(CausalLm model, LoraConfig cfg, Path dir) {
        save(model, cfg, dir, CAUSAL_LM, null);
    }

    /**
     * Writes the adapters of {@code model}, attached with {@code cfg}, to {@code dir} in peft's
     * layout, each file atomically.
     *
     * @param taskType peft's {@code task_type}: {@link #CAUSAL_LM} or {@link #SEQ_CLS}
     * @param baseModel peft's {@code base_model_name_or_path} (a hub id or folder), or {@code null}
     */
    public static void save(CausalLm model, LoraConfig cfg, Path dir, String taskType, String baseModel) {
        Map<String, LoraAdapter> adapters = adapters(model);
        if (adapters.isEmpty()) {
            throw new IllegalStateException("The model has no LoRA adapters to save");
        }
        try {
            SafeTensorsWriter writer = new SafeTensorsWriter();
            for (Map.Entry<String, LoraAdapter> e : adapters.entrySet()) {
                LoraAdapter ad = e.getValue();
                String path = model.loraModulePath(e.getKey());
                long rr = PeftLayout.rank(ad);
                writer.add(PeftLayout.tensorA(path), new long[] {rr, ad.in()}, SafeTensorsWriter.DType.F32,
                        () -> ad.a().getArray().toFloatArray());
                writer.add(PeftLayout.tensorB(path), new long[] {ad.out(), rr}, SafeTensorsWriter.DType.F32,
                        () -> PeftLayout.denseB(ad, ad.b().getArray().toFloatArray()));
            }
            Files.createDirectories(dir);
            writer.write(dir.resolve(WEIGHTS_FILE));
            writeConfig(model, cfg, dir, taskType, baseModel);
        } catch (IOException e) {
            throw new CheckpointException("Cannot save LoRA adapters to " + dir + ": " + e, e);
        }
    }

    /** {@link #writeConfig(CausalLm, LoraConfig, Path, String, String)} for a language model. */
    public static void writeConfig(CausalLm model, LoraConfig cfg, Path dir) throws IOException {
        writeConfig(model, cfg, dir, CAUSAL_LM, null);
    }

    /**
     * Writes peft's {@code adapter_config.json} for {@code model}'s adapters into {@code dir}:
     * {@code r} and {@code lora_alpha} from {@code cfg}, {@code target_modules} its names (or,
     * targeting all, the last names of the adapted modules, as peft lists them), and {@code
     * rank_pattern} / {@code alpha_pattern} for the modules whose peft rank or alpha differ.
     *
     * @throws IllegalArgumentException if {@code cfg} does not select the adapted modules
     */
    public static void writeConfig(CausalLm model, LoraConfig cfg, Path dir, String taskType, String baseModel)
            throws IOException {
        Map<String, LoraAdapter> adapters = adapters(model);
        if (!targets(model, cfg).keySet().equals(adapters.keySet())) {
            throw new IllegalArgumentException("The LoRA config's targets " + targets(model, cfg).keySet()
                    + " are not the adapted modules " + adapters.keySet());
        }
        List<String> names = cfg.targetModules() != null ? cfg.targetModules() : lastNames(adapters.keySet());
        JsonObject rankPattern = new JsonObject();
        JsonObject alphaPattern = new JsonObject();
        Map<String, List<String>> byName = new LinkedHashMap<>();
        adapters.keySet().forEach(k -> byName.computeIfAbsent(lastName(k), n -> new ArrayList<>()).add(k));
        for (Map.Entry<String, List<String>> e : byName.entrySet()) {
            Set<Integer> ranks = new LinkedHashSet<>();
            Set<Float> alphas = new LinkedHashSet<>();
            e.getValue().forEach(k -> ranks.add(PeftLayout.rank(adapters.get(k))));
            e.getValue().forEach(k -> alphas.add(PeftLayout.alpha(adapters.get(k))));
            boolean shared = ranks.size() == 1 && alphas.size() == 1; // one key for the name will do
            for (String k : shared ? List.of(e.getValue().get(0)) : e.getValue()) {
                String key = shared ? e.getKey() : model.loraModulePath(k);
                LoraAdapter ad = adapters.get(k);
                if (PeftLayout.rank(ad) != cfg.rank()) {
                    rankPattern.addProperty(key, PeftLayout.rank(ad));
                }
                if (PeftLayout.alpha(ad) != cfg.alpha()) {
                    alphaPattern.add(key, PeftLayout.number(PeftLayout.alpha(ad)));
                }
            }
        }
        JsonObject json = PeftLayout.config(cfg, names, rankPattern, alphaPattern, model.loraFanInFanOut(),
                taskType, baseModel);
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), new GsonBuilder().setPrettyPrinting().serializeNulls()
                .create().toJson(json));
    }

    /**
     * Reads {@code adapter_config.json} from {@code dir} (peft's or jgpt's earlier one): {@code r},
     * {@code lora_alpha}, {@code target_modules}.
     *
     * @throws CheckpointException naming the file and what is wrong or unsupported in it
     */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        return PeftLayout.settings(file, readJson(file)).config();
    }

    private static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointException("LoRA adapter config not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read " + file + ": " + e, e);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new CheckpointException(file + " is not a LoRA adapter config: " + e.getMessage(), e);
        }
    }

    /**
     * Attaches the adapters saved in {@code dir} (peft's layout or jgpt's earlier one) to {@code
     * model}, freezing its weights, checking every tensor's name and shape against the modules
     * the config targets. If a check fails, the model is left as it was.
     *
     * @return the adapters' settings ({@link #configOf} when one config describes them, else the
     *     file's {@code r}, {@code lora_alpha} and {@code target_modules})
     * @throws CheckpointException naming the file and a missing, extra or mis-shaped tensor (with
     *     both shapes) or an unsupported setting
     */
    public static LoraConfig load(CausalLm model, Path dir, NDManager manager) {
        if (!adapters(model).isEmpty()) {
            throw new IllegalStateException("This model already has LoRA adapters");
        }
        Path configFile = dir.resolve(CONFIG_FILE);
        PeftLayout.Settings settings;
        try {
            settings = PeftLayout.settings(configFile, readJson(configFile));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new CheckpointException(configFile + " is not a LoRA adapter config: " + e.getMessage(), e);
        }
        Map<String, LoraTarget> selected;
        try {
            selected = targets(model, settings.config());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile + ": " + e.getMessage(), e);
        }
        Map<Parameter, Boolean> trainable = new HashMap<>();
        model.getParameters().values().forEach(p -> trainable.put(p, p.requiresGradient()));
        try (SafeTensors st = SafeTensors.open(dir.resolve(WEIGHTS_FILE))) {
            boolean legacy = !st.tensors().isEmpty()
                    && st.tensors().keySet().stream().noneMatch(n -> n.startsWith(PeftLayout.PREFIX));
            try {
                if (legacy) {
                    apply(model, settings.config(), manager);
                    fillLegacy(model, st);
                } else {
                    fillPeft(model, selected, settings, st, manager);
                }
            } catch (RuntimeException e) {
                // leave the model as it was: no adapters, the same parameters trainable
                for (LoraTarget t : model.loraTargets().values()) {
                    t.linear().detachLora();
                }
                trainable.forEach((p, was) -> p.freeze(!was));
                throw e;
            }
        }
        LoraConfig described = describe(model);
        return described != null ? described : settings.config();
    }

    /** Reads and checks every tensor first, then attaches and fills the adapters. */
    private static void fillPeft(CausalLm model, Map<String, LoraTarget> selected, PeftLayout.Settings settings,
            SafeTensors st, NDManager manager) {
        record Loaded(LoraTarget target, int rank, float alpha, int groups, float[] a, float[] b) {}
        List<Loaded> loaded = new ArrayList<>();
        Set<String> expected = new LinkedHashSet<>();
        for (Map.Entry<String, LoraTarget> e : selected.entrySet()) {
            String path = model.loraModulePath(e.getKey());
            ai.djl.ndarray.types.Shape w = e.getValue().linear().weight().getShape(); // (out, in)
            int out = (int) w.get(0);
            int in = (int) w.get(1);
            int rr = settings.rank(path);
            float alpha = settings.alpha(path);
            String nameA = PeftLayout.tensorA(path);
            String nameB = PeftLayout.tensorB(path);
            expected.add(nameA);
            expected.add(nameB);
            float[] a = read(st, nameA, new long[] {rr, in});
            float[] b = read(st, nameB, new long[] {out, rr});
            int g = e.getValue().groups();
            float[] grouped = PeftLayout.groupedB(b, out, rr, g);
            loaded.add(grouped != null
                    ? new Loaded(e.getValue(), rr / g, alpha / g, g, a, grouped)
                    : new Loaded(e.getValue(), rr, alpha, 1, a, b));
        }
        for (String name : st.tensors().keySet()) {
            if (!expected.contains(name)) {
                throw new CheckpointException(st.file() + ": unexpected tensor '" + name + "' (the adapters were made"
                        + " for a different model, or target modules the config does not list)");
            }
        }
        model.freezeParameters(true);
        for (Loaded l : loaded) {
            LoraAdapter ad = l.target().linear().attachLora(l.rank(), l.alpha(), l.groups(), manager);
            ad.a().getArray().set(l.a());
            ad.b().getArray().set(l.b());
        }
    }

    private static float[] read(SafeTensors st, String name, long[] want) {
        SafeTensors.TensorInfo info = st.tensors().get(name);
        if (info == null) {
            throw new CheckpointException(st.file() + ": tensor '" + name + "' is missing (the config targets this"
                    + " module; expected shape " + SafeTensors.formatShape(want) + ")");
        }
        if (!Arrays.equals(info.shape(), want)) {
            throw new CheckpointException(String.format("%s: tensor '%s' has shape %s, but the model expects %s",
                    st.file(), name, info.shapeString(), SafeTensors.formatShape(want)));
        }
        return st.readFloats(name);
    }

    /** jgpt's earlier layout: the tensors of {@link #adapterParameters}, already attached. */
    private static void fillLegacy(CausalLm model, SafeTensors st) {
        Map<String, Parameter> params = adapterParameters(model);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            e.getValue().getArray().set(read(st, e.getKey(), e.getValue().getShape().getShape()));
        }
        for (String name : st.tensors().keySet()) {
            if (!params.containsKey(name)) {
                throw new CheckpointException(st.file() + ": unexpected tensor '" + name
                        + "' (the adapters were made for a different model)");
            }
        }
    }

    private static List<String> lastNames(java.util.Collection<String> keys) {
        Set<String> names = new LinkedHashSet<>();
        keys.forEach(k -> names.add(lastName(k)));
        return List.copyOf(names);
    }

    private static String lastName(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }
}
