package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.nn.KvCache;
import java.util.Arrays;

/**
 * Generates token ids from a {@link LanguageModel}, one token per step, as the book's {@code
 * generate} does: the prompt is cropped to the last {@code contextLength} tokens and each step
 * picks the next id from the last position's logits ({@link SamplingConfig}).
 *
 * <p>With the key/value cache (the default) the prompt is run once and every later step feeds
 * only the new token. When the cache is full (the text has reached the context length) it is
 * dropped and the cropped window re-encoded, so the output is the same as without the cache, only
 * slower past that point.
 */
public final class Generator {

    private final LanguageModel lm;
    private final boolean useKvCache;

    /** A generator over {@code lm} that uses the key/value cache. */
    public Generator(LanguageModel lm) {
        this(lm, true);
    }

    /** A generator over {@code lm}, with or without the key/value cache. */
    public Generator(LanguageModel lm, boolean useKvCache) {
        this.lm = lm;
        this.useKvCache = useKvCache;
    }

    /** Greedy decoding of {@code maxNewTokens} tokens with no end-of-text stop. */
    public long[] greedy(long[] prompt, int maxNewTokens) {
        return generate(prompt, SamplingConfig.greedy(maxNewTokens), null);
    }

    /**
     * Generates up to {@code config.maxNewTokens()} tokens after {@code prompt}.
     *
     * @param prompt token ids; must not be empty
     * @param listener called with each new token as it is produced, or {@code null}
     * @return only the new ids (the end-of-text id that stopped generation is not included)
     */
    public long[] generate(long[] prompt, SamplingConfig config, TokenListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give at least one token");
        }
        int vocab = lm.config().vocabSize();
        for (long id : prompt) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException(
                        "Token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int context = lm.config().contextLength();
        Sampler sampler = new Sampler(config);
        long[] tokens = Arrays.copyOf(prompt, prompt.length + config.maxNewTokens());
        int length = prompt.length;
        try (KvCache cache = useKvCache ? lm.newCache() : null) {
            for (int step = 0; step < config.maxNewTokens(); step++) {
                float[] last = nextLogits(tokens, length, context, cache);
                long next = sampler.next(last);
                if (next == config.endOfTextId()) {
                    break;
                }
                tokens[length++] = next;
                if (listener != null && !listener.onToken(next)) {
                    break;
                }
            }
        }
        return Arrays.copyOfRange(tokens, prompt.length, length);
    }

    /** The logits of the last position, running only what the cache does not hold yet. */
    private float[] nextLogits(long[] tokens, int length, int context, KvCache cache) {
        long[] feed;
        if (cache != null && cache.length() > 0 && cache.length() < context) {
            feed = new long[] {tokens[length - 1]};
        } else {
            if (cache != null) {
                cache.clear();
            }
            feed = Arrays.copyOfRange(tokens, Math.max(0, length - context), length);
        }
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(feed).reshape(1, feed.length);
            return lm.lastLogits(ids, cache).get(0).toFloatArray();
        }
    }
}
