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
