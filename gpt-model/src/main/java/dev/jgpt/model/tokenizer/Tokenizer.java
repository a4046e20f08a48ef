package dev.jgpt.model.tokenizer;

/**
 * Text to token ids and back, for a causal language model of any family. Implementations: the
 * built-in GPT-2 tokenizer ({@link Gpt2Tokenizer}) and any HuggingFace {@code tokenizer.json}
 * ({@link HfTokenizer}); {@link Tokenizers#forModel} picks the one a model folder needs.
 *
 * <p>Language-model settings throughout: no truncation, no padding. Special tokens written in
 * the text (GPT-2's {@code <|endoftext|>}, Qwen3's {@code <|im_start|>}) become their ids.
 */
public interface Tokenizer extends AutoCloseable {

    /** The ids of {@code text} alone; nothing is added (no BOS), as HF's {@code add_special_tokens=False}. */
    long[] encode(String text);

    /**
     * The ids with the tokenizer's own special tokens added, as HF's default {@code
     * add_special_tokens=True}: a BOS for Llama 3, nothing for GPT-2 and Qwen3. The start of a
     * document, such as a plain prompt to continue, is encoded this way; a rendered chat already
     * holds its special tokens and is encoded with {@link #encode}.
     */
    long[] encodeWithSpecialTokens(String text);

    /**
     * The text of {@code ids}, special tokens included as text.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary (for {@link HfTokenizer},
     *     only a negative one: ids past its last token decode to nothing, as in HF)
     */
    String decode(long[] ids);

    /** Number of ids: one past the largest id the tokenizer knows. */
    int vocabSize();

    /**
     * The ids that end a generation (GPT-2: 50256; Qwen3: {@code <|im_end|>} and {@code
     * <|endoftext|>}); empty when the tokenizer knows none, so that generation runs to its limit.
     */
    long[] endIds();

    /**
     * Writes into the model folder {@code dir} what makes {@link Tokenizers#forModel} give this
     * tokenizer back: nothing for a family's default tokenizer, the tokenizer files for one read
     * from a folder. Each file is written atomically.
     */
    void save(java.nio.file.Path dir) throws java.io.IOException;

    /** The id that pads a batch: the tokenizer's pad token, else its first end id, else 0. */
    long padId();

    /**
     * The most UTF-8 bytes of text that one token can stand for, so that a text of {@code N}
     * bytes encodes to at least {@code ceil(N / maxTokenBytes())} tokens: a server refuses a
     * prompt that cannot fit the context from its length alone, without encoding it whole. For
     * a byte-level BPE without a normalizer this is the longest byte length any token of the
     * vocabulary decodes to (special tokens included); a normalizer that can shorten text (NFC
     * turns the 3-byte Kelvin sign into {@code K}) multiplies it by how much. {@link
     * Integer#MAX_VALUE} means no bound is known (a tokenizer that may drop text, such as one
     * that strips whitespace): then every text may be a single token. Computed once.
     */
    default int maxTokenBytes() {
        return Integer.MAX_VALUE;
    }

    /**
     * The fewest tokens {@code text} can encode to, from its UTF-8 length and {@link
     * #maxTokenBytes} alone: {@code ceil(bytes / maxTokenBytes())}, 0 only for the empty text.
     * Costs one pass over the characters and no encoding, whatever the text's size.
     */
    default long minTokens(CharSequence text) {
        long bytes = utf8Length(text);
        int perToken = maxTokenBytes();
        return bytes == 0 ? 0 : (bytes + perToken - 1) / perToken;
    }

    /** The UTF-8 length of {@code text} without encoding it (an unpaired surrogate counts as {@code ?}: 1 byte). */
    static long utf8Length(CharSequence text) {
        long bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    @Override
    void close();

    /**
     * Refuses ids a vocabulary of {@code vocabSize} does not have: the one check that decoding
     * and generation share.
     *
     * @throws IllegalArgumentException naming the first id outside {@code [0, vocabSize)}
     */
    static void requireInVocabulary(long[] ids, int vocabSize) {
        for (long id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException(
                        "Token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }
}
