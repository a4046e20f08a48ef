package dev.jgpt.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * GPT-2's byte-level BPE tokenizer over DJL's {@link HuggingFaceTokenizer}, producing exactly
 * GPT-2's ids. Works offline with no file from the user ({@link #builtIn()}), or from OpenAI's
 * {@code encoder.json} + {@code vocab.bpe}. (A GPT-2 folder's own {@code tokenizer.json} is read
 * by {@link HfTokenizer}.)
 *
 * <p>Language-model settings: no special tokens added (GPT-2 adds none), no truncation (the HF
 * default cuts at 512), no padding. {@code <|endoftext|>} in the text becomes id 50256, its only
 * end id and the id batches are padded with; {@link #encodeOrdinary} encodes it as plain text.
 */
public final class Gpt2Tokenizer implements Tokenizer {

    /** {@code <|endoftext|>}: GPT-2's end id and padding. */
    public static final long END_OF_TEXT = Gpt2Vocabulary.END_OF_TEXT_ID;

    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE));

    private final HuggingFaceTokenizer withEndOfText;
    private final HuggingFaceTokenizer ordinary;
    private final int vocabSize;
    private final int maxTokenBytes;

    private Gpt2Tokenizer(HuggingFaceTokenizer withEndOfText, HuggingFaceTokenizer ordinary, int vocabSize,
            int maxTokenBytes) {
        this.withEndOfText = withEndOfText;
        this.ordinary = ordinary;
        this.vocabSize = vocabSize;
        this.maxTokenBytes = maxTokenBytes;
    }

    /** The GPT-2 tokenizer built in memory from the ranks that jtokkit ships; needs no file. */
    public static Gpt2Tokenizer builtIn() {
        return fromVocabulary(Gpt2Vocabulary.builtIn());
    }

    /** From OpenAI's {@code encoder.json} and {@code vocab.bpe}. */
    public static Gpt2Tokenizer fromOpenAiFiles(Path encoderJson, Path vocabBpe) throws IOException {
        return fromVocabulary(Gpt2Vocabulary.fromFiles(encoderJson, vocabBpe));
    }

    /** From a vocabulary and merges already in memory. */
    public static Gpt2Tokenizer fromVocabulary(Gpt2Vocabulary vocabulary) {
        HuggingFaceTokenizer with = create(vocabulary.toTokenizerJson(true));
        HuggingFaceTokenizer without = create(vocabulary.toTokenizerJson(false));
        return new Gpt2Tokenizer(with, without, vocabulary.vocab().size(), longestToken(vocabulary));
    }

    /**
     * The byte length of the longest token: each character of a byte-level token string is one
     * byte ({@link ByteLevel}), and {@code <|endoftext|>} is its 13 ASCII characters. GPT-2 has no
     * normalizer, so this bounds the bytes one token stands for.
     */
    private static int longestToken(Gpt2Vocabulary vocabulary) {
        int longest = 1;
        for (String token : vocabulary.vocab().keySet()) {
            longest = Math.max(longest, token.codePointCount(0, token.length()));
        }
        return longest;
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
    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Encodes {@code text}, with {@code <|endoftext|>} allowed (it becomes 50256). */
    @Override
    public long[] encode(String text) {
        return text.isEmpty() ? new long[0] : withEndOfText.encode(text).getIds();
    }

    /** The same as {@link #encode}: GPT-2's tokenizer adds no special tokens. */
    @Override
    public long[] encodeWithSpecialTokens(String text) {
        return encode(text);
    }

    /** Encodes {@code text} with {@code <|endoftext|>} as ordinary characters (tiktoken's {@code encode_ordinary}). */
    public long[] encodeOrdinary(String text) {
        return text.isEmpty() ? new long[0] : ordinary.encode(text).getIds();
    }

    /** {@code {50256}}. */
    @Override
    public long[] endIds() {
        return new long[] {END_OF_TEXT};
    }

    /** Writes nothing: with no {@code tokenizer.json} in a folder, GPT-2's built-in tokenizer is the one used. */
    @Override
    public void save(Path dir) {
        // the family default needs no file
    }

    /** The longest token's byte length (GPT-2's vocabulary has no normalizer to shorten text). */
    @Override
    public int maxTokenBytes() {
        return maxTokenBytes;
    }

    /** 50256, as the book pads. */
    @Override
    public long padId() {
        return END_OF_TEXT;
    }

    /**
     * Decodes ids back to text ({@code <|endoftext|>} included as text).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    @Override
    public String decode(long[] ids) {
        Tokenizer.requireInVocabulary(ids, vocabSize);
        return withEndOfText.decode(ids, false);
    }

    @Override
    public void close() {
        withEndOfText.close();
        ordinary.close();
    }
}
