package dev.jgpt.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * GPT-2's byte-level BPE tokenizer over DJL's {@link HuggingFaceTokenizer}, producing exactly
 * GPT-2's ids. Works offline with no file from the user ({@link #builtIn()}), or from OpenAI's
 * {@code encoder.json} + {@code vocab.bpe}, or from a HuggingFace {@code tokenizer.json}.
 *
 * <p>Language-model settings: no special tokens added, no truncation (the HF default cuts at 512),
 * no padding. {@code <|endoftext|>} in the text becomes id 50256 unless it is disallowed, in which
 * case it is encoded as ordinary text.
 */
public final class Gpt2Tokenizer implements AutoCloseable {

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE));

    private final HuggingFaceTokenizer withEndOfText;
    private final HuggingFaceTokenizer ordinary;
    private final int vocabSize;

    private Gpt2Tokenizer(HuggingFaceTokenizer withEndOfText, HuggingFaceTokenizer ordinary, int vocabSize) {
        this.withEndOfText = withEndOfText;
        this.ordinary = ordinary;
        this.vocabSize = vocabSize;
    }

    /** The GPT-2 tokenizer built in memory from the ranks that jtokkit ships; needs no file. */
    public static Gpt2Tokenizer builtIn() {
        return fromVocabulary(Gpt2Vocabulary.builtIn());
    }

    /** From OpenAI's {@code encoder.json} and {@code vocab.bpe}. */
    public static Gpt2Tokenizer fromOpenAiFiles(Path encoderJson, Path vocabBpe) throws IOException {
        return fromVocabulary(Gpt2Vocabulary.fromFiles(encoderJson, vocabBpe));
    }

    /**
     * From a HuggingFace {@code tokenizer.json}, or a model folder holding one. Its own special
     * tokens apply; {@code allowEndOfText = false} has no separate effect here.
     */
    public static Gpt2Tokenizer fromTokenizerJson(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer.json not found");
        }
        String json = Files.readString(file, StandardCharsets.UTF_8);
        int size;
        try {
            size = vocabSizeOf(JsonParser.parseString(json).getAsJsonObject());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a tokenizer.json: " + e.getMessage(), e);
        }
        HuggingFaceTokenizer tok = create(json);
        return new Gpt2Tokenizer(tok, tok, size);
    }

    /** One past the largest id in {@code model.vocab} and {@code added_tokens}. */
    private static int vocabSizeOf(JsonObject json) {
        int max = -1;
        for (Map.Entry<String, JsonElement> e :
                json.getAsJsonObject("model").getAsJsonObject("vocab").entrySet()) {
            max = Math.max(max, e.getValue().getAsInt());
        }
        if (json.has("added_tokens") && json.get("added_tokens").isJsonArray()) {
            for (JsonElement t : json.getAsJsonArray("added_tokens")) {
                max = Math.max(max, t.getAsJsonObject().get("id").getAsInt());
            }
        }
        return max + 1;
    }

    /** From a vocabulary and merges already in memory. */
    public static Gpt2Tokenizer fromVocabulary(Gpt2Vocabulary vocabulary) {
        HuggingFaceTokenizer with = create(vocabulary.toTokenizerJson(true));
        HuggingFaceTokenizer without = create(vocabulary.toTokenizerJson(false));
        return new Gpt2Tokenizer(with, without, vocabulary.vocab().size());
    }

    private static HuggingFaceTokenizer create(String json) {
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Number of ids, 50,257 for GPT-2. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Encodes {@code text}, with {@code <|endoftext|>} allowed (it becomes 50256). */
    public long[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes {@code text}.
     *
     * @param allowEndOfText whether {@code <|endoftext|>} becomes the special id; if not, its
     *     characters are encoded like any other text
     */
    public long[] encode(String text, boolean allowEndOfText) {
        if (text.isEmpty()) {
            return new long[0];
        }
        return (allowEndOfText ? withEndOfText : ordinary).encode(text).getIds();
    }

    /**
     * Decodes ids back to text ({@code <|endoftext|>} included as text).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String decode(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(
                        "Token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
        return withEndOfText.decode(ids, false);
    }

    @Override
    public void close() {
        withEndOfText.close();
        if (ordinary != withEndOfText) {
            ordinary.close();
        }
    }
}
