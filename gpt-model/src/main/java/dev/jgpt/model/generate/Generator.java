package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jgpt.model.LanguageModel;
import java.util.Arrays;

/**
 * Generates token ids from a {@link LanguageModel}, one token per step, as the book's {@code
 * generate_text_simple} does: the prompt is cropped to the last {@code contextLength} tokens, the
 * logits of the last position pick the next id, and the window slides as the text grows.
 */
public final class Generator {

    private final LanguageModel lm;

    /** A generator over {@code lm}. */
    public Generator(LanguageModel lm) {
        this.lm = lm;
    }

    /**
     * Greedy decoding: the most likely token at every step.
     *
     * @param prompt token ids; must not be empty
     * @param maxNewTokens how many tokens to add; {@code >= 0}
     * @return only the new ids, {@code maxNewTokens} of them
     */
    public long[] greedy(long[] prompt, int maxNewTokens) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give at least one token");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        int vocab = lm.config().vocabSize();
        for (long id : prompt) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException(
                        "Token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int context = lm.config().contextLength();
        long[] tokens = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int length = prompt.length;
        for (int step = 0; step < maxNewTokens; step++) {
            int start = Math.max(0, length - context);
            long[] window = Arrays.copyOfRange(tokens, start, length);
            try (NDManager scope = lm.manager().newSubManager()) {
                NDArray ids = scope.create(window).reshape(1, window.length);
                NDArray last = lm.logits(ids).get(0, window.length - 1);
                tokens[length++] = last.argMax().getLong();
            }
        }
        return Arrays.copyOfRange(tokens, prompt.length, length);
    }
}
