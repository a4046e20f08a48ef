package dev.jgpt.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.files.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Any HuggingFace {@code tokenizer.json} over DJL's {@link HuggingFaceTokenizer}, with the special
 * tokens its model folder declares. End ids come from {@code generation_config.json}'s {@code
 * eos_token_id} (a number or a list), else {@code config.json}'s, else {@code
 * tokenizer_config.json}'s {@code eos_token}; the pad id from {@code tokenizer_config.json}'s
 * {@code pad_token}, else {@code generation_config.json}'s {@code pad_token_id}, else the first end
 * id. Whether a BOS is added is the {@code tokenizer.json}'s own post-processor's business, as in
 * HF ({@link #encodeWithSpecialTokens}).
 */
public final class HfTokenizer implements Tokenizer {

    /** The tokenizer file of a model folder. */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** Special tokens, chat template. */
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    /** End ids, sampling defaults. */
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";
    /** The model config, which may also name the end ids. */
    public static final String CONFIG_FILE = "config.json";

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE));

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final long[] endIds;
    private final long padId;
    /** The files as read, by name, so that {@link #save} writes them back unchanged. */
    private final Map<String, String> files;
    private final TokenByteBound byteBound;
    /** {@link #maxTokenBytes}, once computed (0 before). */
    private volatile int maxTokenBytes;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, long[] endIds, long padId,
            Map<String, String> files, TokenByteBound byteBound) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.endIds = endIds;
        this.padId = padId;
        this.files = files;
        this.byteBound = byteBound;
    }

    /**
     * The tokenizer of a model folder: its {@code tokenizer.json}, with the special tokens of the
     * other files beside it (each optional).
     *
     * @throws NoSuchFileException if the folder has no {@code tokenizer.json}
     * @throws IllegalArgumentException naming the file and the field for malformed content
     */
    public static HfTokenizer fromFolder(Path dir) throws IOException {
        Path file = dir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer.json not found");
        }
        HfTokenizer t = fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString(),
                readObject(dir.resolve(TOKENIZER_CONFIG_FILE)),
                readObject(dir.resolve(GENERATION_CONFIG_FILE)),
                readObject(dir.resolve(CONFIG_FILE)));
        Path template = dir.resolve(ChatTemplate.TEMPLATE_FILE);
        if (Files.isRegularFile(template)) { // newer transformers keep the chat template only there
            t.files.put(ChatTemplate.TEMPLATE_FILE, Files.readString(template, StandardCharsets.UTF_8));
        }
        return t;
    }

    /**
     * From a {@code tokenizer.json}'s text and the other files' JSON objects (each may be {@code
     * null}).
     *
     * @param source names the tokenizer in error messages
     */
    public static HfTokenizer fromJson(String tokenizerJson, String source, JsonObject tokenizerConfig,
            JsonObject generationConfig, JsonObject modelConfig) {
        Map<String, Long> added = new HashMap<>();
        int size;
        TokenByteBound byteBound;
        try {
            JsonObject json = JsonParser.parseString(tokenizerJson).getAsJsonObject();
            size = vocabSize(json, added);
            byteBound = TokenByteBound.of(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " is not a tokenizer.json: " + e.getMessage(), e);
        }
        // what save() writes back: the files' content, and end ids that only the model's
        // config.json gave in a generation_config.json
        Map<String, String> files = new LinkedHashMap<>();
        files.put(TOKENIZER_FILE, tokenizerJson);
        if (tokenizerConfig != null) {
            files.put(TOKENIZER_CONFIG_FILE, tokenizerConfig.toString());
        }
        long[] ends = ids(generationConfig, "eos_token_id", GENERATION_CONFIG_FILE);
        if (generationConfig != null) {
            files.put(GENERATION_CONFIG_FILE, generationConfig.toString());
        }
        if (ends == null) {
            ends = ids(modelConfig, "eos_token_id", CONFIG_FILE);
            if (ends != null) {
                JsonObject g = generationConfig == null ? new JsonObject() : generationConfig.deepCopy();
                JsonArray a = new JsonArray();
                Arrays.stream(ends).forEach(a::add);
                g.add("eos_token_id", a);
                files.put(GENERATION_CONFIG_FILE, g.toString());
            }
        }
        if (ends == null) {
            Long eos = tokenId(tokenizerConfig, "eos_token", added);
            ends = eos == null ? new long[0] : new long[] {eos};
        }
        Long pad = tokenId(tokenizerConfig, "pad_token", added);
        if (pad == null) {
            long[] p = ids(generationConfig, "pad_token_id", GENERATION_CONFIG_FILE);
            pad = p != null && p.length > 0 ? p[0] : null;
        }
        long padId = pad != null ? pad : ends.length > 0 ? ends[0] : 0;
        for (long id : ends) {
            if (id < 0 || id >= size) {
                throw new IllegalArgumentException(source + ": end id " + id + " is outside the vocabulary [0, "
                        + size + ")");
            }
        }
        try {
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), OPTIONS);
            return new HfTokenizer(tok, size, ends, padId, files, byteBound);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " cannot be loaded as a tokenizer: " + e.getMessage(), e);
        }
    }

    /** One past the largest id in {@code model.vocab} and {@code added_tokens}; fills {@code added}. */
    static int vocabSize(JsonObject json, Map<String, Long> added) {
        long max = -1;
        JsonObject model = json.getAsJsonObject("model");
        JsonElement vocab = model == null ? null : model.get("vocab");
        if (vocab != null && vocab.isJsonObject()) { // BPE, WordPiece: token -> id
            for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                max = Math.max(max, e.getValue().getAsLong());
            }
        } else if (vocab != null && vocab.isJsonArray()) { // Unigram: [piece, score] at its id
            max = vocab.getAsJsonArray().size() - 1;
        }
        if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
            for (JsonElement t : json.getAsJsonArray("added_tokens")) {
                JsonObject o = t.getAsJsonObject();
                long id = o.get("id").getAsLong();
                added.put(o.get("content").getAsString(), id);
                max = Math.max(max, id);
            }
        }
        if (max < 0) {
            throw new IllegalArgumentException("no model.vocab and no added_tokens");
        }
        return Math.toIntExact(max + 1);
    }

    /** A number or a list of numbers at {@code field}, or {@code null} when absent. */
    private static long[] ids(JsonObject o, String field, String file) {
        if (o == null || !o.has(field) || o.get(field).isJsonNull()) {
            return null;
        }
        JsonElement e = o.get(field);
        try {
            if (e.isJsonArray()) {
                JsonArray a = e.getAsJsonArray();
                long[] out = new long[a.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = wholeNumber(a.get(i));
                }
                return out;
            }
            return new long[] {wholeNumber(e)};
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(file + ": " + field + " must be a token id or a list of them, got "
                    + e, ex);
        }
    }

    private static long wholeNumber(JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("not a number");
        }
        return e.getAsBigDecimal().longValueExact();
    }

    /** The id of the special token a {@code tokenizer_config.json} field names, or {@code null}. */
    private static Long tokenId(JsonObject o, String field, Map<String, Long> added) {
        if (o == null || !o.has(field) || o.get(field).isJsonNull()) {
            return null;
        }
        JsonElement e = o.get(field);
        String content;
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            content = e.getAsString();
        } else if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
            content = e.getAsJsonObject().get("content").getAsString(); // an AddedToken
        } else {
            throw new IllegalArgumentException(TOKENIZER_CONFIG_FILE + ": " + field
                    + " must be a token string or {\"content\": ...}, got " + e);
        }
        Long id = added.get(content);
        if (id == null) {
            throw new IllegalArgumentException(TOKENIZER_CONFIG_FILE + ": " + field + " '" + content
                    + "' is not one of the tokenizer's added tokens");
        }
        return id;
    }

    /** The JSON object in {@code file}, or {@code null} if there is no such file. */
    private static JsonObject readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the tokenizer files with the content they were read with ({@code tokenizer.json}, and
     * {@code tokenizer_config.json} and {@code generation_config.json} where there were such; end
     * ids that came from the model's {@code config.json} go into {@code generation_config.json}).
     */
    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> f : files.entrySet()) {
            AtomicFiles.writeString(dir.resolve(f.getKey()), f.getValue());
        }
    }

    @Override
    public long[] encode(String text) {
        return text.isEmpty() ? new long[0] : tokenizer.encode(text, false, false).getIds();
    }

    @Override
    public long[] encodeWithSpecialTokens(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    /**
     * {@inheritDoc} Ids past the tokenizer's last token (a padded embedding's extra rows) give no
     * text, as HF's {@code decode} skips them; a negative id is an error.
     */
    @Override
    public String decode(long[] ids) {
        for (long id : ids) {
            if (id < 0) {
                throw new IllegalArgumentException("Token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        // ids past the tokenizer's last token (a model's padded vocabulary: Qwen3's embedding has
        // 151,936 rows for 151,669 tokens) decode to nothing, as HF's decode skips them
        return tokenizer.decode(Arrays.stream(ids).filter(id -> id < vocabSize).toArray(), false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * {@inheritDoc} Here: the longest text any id decodes to on its own (special tokens
     * included), times what the {@code tokenizer.json}'s normalizer can shorten, plus a byte where
     * the decoder may drop a leading space; decoded once, on first use (some 150,000 ids for
     * Qwen3, in one call).
     */
    @Override
    public int maxTokenBytes() {
        int m = maxTokenBytes;
        if (m == 0) {
            m = byteBound.unbounded() ? TokenByteBound.UNBOUNDED : byteBound.bound(longestDecodedToken());
            maxTokenBytes = m;
        }
        return m;
    }

    private int longestDecodedToken() {
        long[][] each = new long[vocabSize][];
        for (int id = 0; id < vocabSize; id++) {
            each[id] = new long[] {id};
        }
        int longest = 1;
        for (String text : tokenizer.batchDecode(each, false)) {
            longest = Math.max(longest, text.getBytes(StandardCharsets.UTF_8).length);
        }
        return longest;
    }

    @Override
    public long[] endIds() {
        return Arrays.copyOf(endIds, endIds.length);
    }

    @Override
    public long padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
