package dev.jgpt.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.checkpoint.ModelFamilies;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.SequenceClassifier;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.ParamsFile;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text classifier (on a causal LM of any family) ready to run or fine-tune: the DJL {@link Model} owning a {@link
 * SequenceClassifier}, its class labels, the token length it was trained on, and a tokenizer. Start one
 * from a language model's weights ({@link #fromLanguageModel}), from random weights ({@link
 * #create}), or load a saved one; {@link #classify} gives a label and its probability.
 *
 * <p>A saved classifier is a folder: {@code config.json} (the model's config), {@code
 * classifier.json} (labels, maximum length, LoRA settings if adapters are attached) and {@code
 * classifier-0000.params}, each written atomically.
 */
public final class TextClassifier implements AutoCloseable {

    /** The settings file. */
    public static final String CLASSIFIER_FILE = "classifier.json";

    /** The parameter file's model name. */
    public static final String MODEL_NAME = "classifier";

    /** The parameter file. */
    public static final String PARAMS_FILE = MODEL_NAME + "-0000.params";

    /**
     * One classification.
     *
     * @param label the most probable label
     * @param index its class index
     * @param probability its softmax probability
     * @param probabilities every class's probability, in label order
     */
    public record Prediction(String label, int index, float probability, float[] probabilities) {}

    private final Model model;
    private final SequenceClassifier block;
    private final List<String> labels;
    private final int maxLength;
    private final Tokenizer tokenizer;
    private final ParameterStore inferenceStore;
    private LoraConfig lora;

    private TextClassifier(Model model, List<String> labels, int maxLength, Tokenizer tokenizer,
            LoraConfig lora) {
        this.model = model;
        this.block = (SequenceClassifier) model.getBlock();
        this.labels = List.copyOf(labels);
        this.maxLength = maxLength;
        this.tokenizer = tokenizer;
        this.inferenceStore = new ParameterStore(model.getNDManager(), false);
        this.lora = lora;
    }

    /**
     * A classifier with random weights throughout (the {@code style} initialisation).
     *
     * @param maxLength texts are cut to this many tokens (at most the context length)
     */
    public static TextClassifier create(ModelConfig config, List<String> labels, int maxLength,
            Device device, int seed, InitStyle style) {
        String repository = ModelFamilies.of(config).tokenizerRepository();
        if (repository != null) {
            throw new IllegalArgumentException("A fresh " + config.modelType() + " classifier needs its family's"
                    + " tokenizer (" + repository + "'s): pass it to create(..., tokenizer)");
        }
        return create(config, labels, maxLength, device, seed, style, Tokenizers.forModel(null));
    }

    /**
     * A classifier of random weights, as {@link #create(ModelConfig, List, int, Device, int,
     * InitStyle)}, reading text with {@code tokenizer} (which it then owns and closes, also when
     * this fails).
     */
    public static TextClassifier create(ModelConfig config, List<String> labels, int maxLength,
            Device device, int seed, InitStyle style, Tokenizer tokenizer) {
        Model model;
        try {
            checkArguments(config, labels, maxLength);
            LanguageModel.requireMemoryFor(config, device);
            model = Model.newInstance(MODEL_NAME, device);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        try {
            SequenceClassifier c = new SequenceClassifier(
                    ModelFamilies.of(config).newModel(config, false), labels.size());
            style.apply(c.body());
            model.setBlock(c);
            model.getNDManager().getEngine().setRandomSeed(seed);
            c.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, config.contextLength()));
            return new TextClassifier(model, labels, maxLength, tokenizer, null);
        } catch (RuntimeException e) {
            model.close();
            tokenizer.close();
            throw e;
        }
    }

    /**
     * A classifier whose transformer starts from {@code lm}'s weights (copied; {@code lm} stays
     * usable) and whose head is new (normal 0.02, seeded by {@code seed}). The language-model
     * head is dropped.
     */
    public static TextClassifier fromLanguageModel(LanguageModel lm, List<String> labels, int maxLength,
            int seed) {
        return fromLanguageModel(lm, labels, maxLength, seed, Tokenizers.forModel(null));
    }

    private static TextClassifier fromLanguageModel(LanguageModel lm, List<String> labels, int maxLength,
            int seed, Tokenizer tokenizer) {
        TextClassifier c = create(lm.config(), labels, maxLength, lm.manager().getDevice(), seed,
                InitStyle.GPT2, tokenizer);
        try {
            c.block.body().copyParametersFrom(lm.block());
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * {@link #fromLanguageModel(LanguageModel, List, int, int)} from a model folder of either kind,
     * with the folder's tokenizer ({@link Tokenizers#forModel}).
     */
    public static TextClassifier fromLanguageModel(Path dir, List<String> labels, int maxLength,
            Device device, int seed) {
        try (LanguageModel lm = LanguageModel.load(dir, device)) {
            return fromLanguageModel(lm, labels, maxLength, seed, Tokenizers.forModel(dir));
        }
    }

    /**
     * Loads a classifier saved by {@link #save}.
     *
     * @throws CheckpointException naming the missing or mismatched file or tensor
     */
    public static TextClassifier load(Path dir, Device device) {
        if (!Files.isRegularFile(dir.resolve(CLASSIFIER_FILE))) {
            throw new CheckpointException("No classifier found in " + dir + ": expected "
                    + CLASSIFIER_FILE + ", " + ModelFamilies.CONFIG_FILE + " and " + PARAMS_FILE
                    + " (made by 'jgpt finetune-classifier')");
        }
        ModelConfig config = ModelFamilies.readConfig(dir.resolve(ModelFamilies.CONFIG_FILE));
        Settings settings = readSettings(dir.resolve(CLASSIFIER_FILE));
        dev.jgpt.model.checkpoint.Checkpoints.requireWeightsFor(config, dir.resolve(ModelFamilies.CONFIG_FILE),
                dir.resolve(PARAMS_FILE));
        Model model = Model.newInstance(MODEL_NAME, device);
        try {
            SequenceClassifier c = new SequenceClassifier(
                    ModelFamilies.of(config).newModel(config, false), settings.labels.size());
            model.setBlock(c);
            if (settings.lora != null) {
                Lora.apply(c.body(), settings.lora, model.getNDManager());
            }
            ParamsFile.read(dir.resolve(PARAMS_FILE), c, model.getNDManager(),
                    config + " with " + settings.labels.size() + " classes");
            return new TextClassifier(model, settings.labels, settings.maxLength, Tokenizers.forModel(dir),
                    settings.lora);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Saves into {@code dir} (created if needed): weights (adapters included if attached), config,
     * labels, and the tokenizer files where the classifier has a tokenizer of its own.
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            ParamsFile.write(dir.resolve(PARAMS_FILE), block, MODEL_NAME, DataType.FLOAT32,
                    new Shape(1, maxLength));
            AtomicFiles.writeString(dir.resolve(ModelFamilies.CONFIG_FILE), config().toJson());
            JsonObject json = new JsonObject();
            json.addProperty("format", "jgpt-classifier");
            JsonArray names = new JsonArray();
            labels.forEach(names::add);
            json.add("labels", names);
            json.addProperty("max_length", maxLength);
            if (lora != null) {
                JsonObject l = new JsonObject();
                l.addProperty("r", lora.rank());
                l.addProperty("lora_alpha", lora.alpha());
                if (!lora.targetsAll()) {
                    l.add("target_modules", lora.targetModulesJson());
                }
                json.add("lora", l);
            }
            AtomicFiles.writeString(dir.resolve(CLASSIFIER_FILE),
                    new Gson().newBuilder().setPrettyPrinting().create().toJson(json));
            tokenizer.save(dir); // so that load() finds the same tokenizer
        } catch (IOException e) {
            throw new CheckpointException("Cannot save the classifier to " + dir + ": " + e, e);
        }
    }

    /**
     * Freezes the transformer and attaches LoRA adapters to it; the head stays trainable. Saved
     * classifiers remember the adapters; {@link #mergeLora} folds them in.
     */
    public void applyLora(LoraConfig cfg) {
        Lora.apply(block.body(), cfg, model.getNDManager());
        lora = cfg;
    }

    /** Merges attached adapters into the weights (see {@link Lora#merge}). */
    public void mergeLora() {
        Lora.merge(block.body());
        lora = null;
    }

    /** The LoRA settings of attached adapters, or {@code null}. */
    public LoraConfig lora() {
        return lora;
    }

    /** Classifies {@code text}, cut to {@link #maxLength()} tokens. */
    public Prediction classify(String text) {
        long[] ids = tokenizer.encode(text);
        if (ids.length == 0) {
            throw new IllegalArgumentException("Cannot classify an empty text");
        }
        ids = Arrays.copyOf(ids, Math.min(ids.length, maxLength));
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(ids).reshape(1, ids.length);
            float[] p = logits(x, null).softmax(1).toFloatArray();
            int best = 0;
            for (int i = 1; i < p.length; i++) {
                if (p[i] > p[best]) {
                    best = i;
                }
            }
            return new Prediction(labels.get(best), best, p[best], p);
        }
    }

    /**
     * Classifies {@code texts} together: one forward pass over their ids, each cut to {@link
     * #maxLength()} and right-padded with the tokenizer's pad id to the longest (the causal mask
     * keeps the padding out of every real token, and each row is read at its last real token), so
     * each prediction is {@link #classify(String)}'s for that text, up to float rounding.
     *
     * @throws IllegalArgumentException naming the first text that is empty
     */
    public List<Prediction> classify(List<String> texts) {
        List<long[]> ids = new java.util.ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            long[] t = tokenizer.encode(texts.get(i));
            if (t.length == 0) {
                throw new IllegalArgumentException("Cannot classify an empty text (text " + i + " of " + texts.size() + ")");
            }
            ids.add(t);
        }
        return classifyTokens(ids);
    }

    /**
     * {@link #classify(List)} of texts already tokenized with {@link #tokenizer()} (each cut to
     * {@link #maxLength()} here); texts of similar lengths together waste the least on padding.
     *
     * @throws IllegalArgumentException naming the first empty row
     */
    public List<Prediction> classifyTokens(List<long[]> tokens) {
        long[][] ids = new long[tokens.size()][];
        int longest = 0;
        for (int i = 0; i < ids.length; i++) {
            long[] t = tokens.get(i);
            if (t.length == 0) {
                throw new IllegalArgumentException("Cannot classify an empty text (text " + i + " of " + ids.length + ")");
            }
            ids[i] = Arrays.copyOf(t, Math.min(t.length, maxLength));
            longest = Math.max(longest, ids[i].length);
        }
        if (ids.length == 0) {
            return List.of();
        }
        long[] flat = new long[ids.length * longest];
        Arrays.fill(flat, tokenizer.padId());
        long[] lengths = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, flat, i * longest, ids[i].length);
            lengths[i] = ids[i].length;
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(flat).reshape(ids.length, longest);
            float[] p = logits(x, scope.create(lengths)).softmax(1).toFloatArray();
            int k = labels.size();
            List<Prediction> out = new java.util.ArrayList<>(ids.length);
            for (int i = 0; i < ids.length; i++) {
                float[] row = Arrays.copyOfRange(p, i * k, (i + 1) * k);
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (row[j] > row[best]) {
                        best = j;
                    }
                }
                out.add(new Prediction(labels.get(best), best, row[best], row));
            }
            return out;
        }
    }

    /**
     * Class logits in inference mode.
     *
     * @param ids right-padded token ids {@code (B, T)}
     * @param lengths real tokens per row {@code (B)}, or {@code null} when unpadded
     * @return {@code (B, K)}
     */
    public NDArray logits(NDArray ids, NDArray lengths) {
        return block.forward(inferenceStore, ids, lengths, false);
    }

    /** The config of the transformer. */
    public ModelConfig config() {
        return block.body().config();
    }

    /** The class labels, index order. */
    public List<String> labels() {
        return labels;
    }

    /** The token length texts are cut to. */
    public int maxLength() {
        return maxLength;
    }

    /** The tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The classifier block. */
    public SequenceClassifier block() {
        return block;
    }

    /** The DJL model owning the weights (for a {@code Trainer}). */
    public Model model() {
        return model;
    }

    /** The manager the weights live on. */
    public NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    private static void checkArguments(ModelConfig config, List<String> labels, int maxLength) {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("A classifier needs at least 2 labels, got " + labels);
        }
        if (maxLength < 1 || maxLength > config.contextLength()) {
            throw new IllegalArgumentException("maxLength must be in 1.." + config.contextLength()
                    + " (the context length), got " + maxLength);
        }
    }

    private record Settings(List<String> labels, int maxLength, LoraConfig lora) {}

    private static Settings readSettings(Path file) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            List<String> labels = new ArrayList<>();
            for (JsonElement e : json.getAsJsonArray("labels")) {
                labels.add(e.getAsString());
            }
            int maxLength = json.get("max_length").getAsInt();
            LoraConfig lora = null;
            if (json.has("lora") && json.get("lora").isJsonObject()) {
                JsonObject l = json.getAsJsonObject("lora");
                lora = LoraConfig.of(l.get("r").getAsInt(), l.get("lora_alpha").getAsFloat(), l.get("target_modules"));
            }
            if (labels.size() < 2 || maxLength < 1) {
                throw new CheckpointException(file + ": needs 2+ labels and max_length >= 1");
            }
            return new Settings(labels, maxLength, lora);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Classifier settings not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read " + file + ": " + e, e);
        } catch (JsonParseException | IllegalStateException | NullPointerException | ClassCastException
                | UnsupportedOperationException | IllegalArgumentException e) {
            throw new CheckpointException(file + " is not a classifier settings file (labels,"
                    + " max_length): " + e.getMessage(), e);
        }
    }
}
