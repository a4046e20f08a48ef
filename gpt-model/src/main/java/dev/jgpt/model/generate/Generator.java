package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.KvCache;
import dev.jgpt.model.tokenizer.Tokenizer;
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
public final class Generator implements TokenSource {

    private final CausalLm model;
    private final ParameterStore ps;
    private final NDManager manager;
    private final boolean useKvCache;

    /** A generator over {@code lm} that uses the key/value cache. */
    public Generator(LanguageModel lm) {
        this(lm, true);
    }

    /** A generator over {@code lm}, with or without the key/value cache. */
    public Generator(LanguageModel lm, boolean useKvCache) {
        this(lm.block(), new ParameterStore(lm.manager(), false), lm.manager(), useKvCache);
    }

    /**
     * A generator over an initialised model of any family, reading weights through {@code ps} and
     * creating its temporaries (and cache) under {@code manager}.
     */
    public Generator(CausalLm model, ParameterStore ps, NDManager manager, boolean useKvCache) {
        this.model = model;
        this.ps = ps;
        this.manager = manager;
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
    @Override
    public long[] generate(long[] prompt, SamplingConfig config, TokenListener listener) {
        checkPrompt(prompt, "The prompt");
        int context = model.config().contextLength();
        Sampler sampler = new Sampler(config);
        long[] tokens = Arrays.copyOf(prompt, prompt.length + config.maxNewTokens());
        int length = prompt.length;
        try (KvCache cache = useKvCache ? model.newCache(manager) : null) {
            for (int step = 0; step < config.maxNewTokens(); step++) {
                float[] last = nextLogits(tokens, length, context, cache);
                long next = sampler.next(last);
                if (config.isEnd(next)) {
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

    /**
     * Generates for several prompts at once: the prompts are left-padded to the same length,
     * padding is masked out of attention and each row's positions count from its first real
     * token, so every row gets what {@link #generate} gives for that prompt alone (each row has
     * its own sampler with the configured seed). Rows stop at end-of-text independently.
     * Always uses the key/value cache.
     *
     * @param prompts one or more non-empty prompts; the longest (cropped to the context) plus
     *     {@code maxNewTokens} must fit in the context window
     * @return the new ids of each prompt
     */
    public long[][] generateBatch(long[][] prompts, SamplingConfig config) {
        int b = prompts.length;
        if (b == 0) {
            throw new IllegalArgumentException("No prompts given");
        }
        int context = model.config().contextLength();
        long[][] rows = new long[b][];
        int maxLen = 0;
        for (int i = 0; i < b; i++) {
            checkPrompt(prompts[i], "Prompt " + i);
            rows[i] = Arrays.copyOfRange(prompts[i], Math.max(0, prompts[i].length - context),
                    prompts[i].length);
            maxLen = Math.max(maxLen, rows[i].length);
        }
        if (maxLen + config.maxNewTokens() > context) {
            throw new IllegalArgumentException(
                    "Batch generation needs the longest prompt (" + maxLen + " tokens) plus"
                            + " maxNewTokens (" + config.maxNewTokens() + ") to fit the context"
                            + " length " + context + "; generate such prompts one at a time");
        }
        int total = maxLen + config.maxNewTokens();
        long[] ids = new long[b * maxLen];
        long[] positions = new long[b * maxLen];
        boolean[][] real = new boolean[b][total];
        long[] nextPosition = new long[b];
        for (int i = 0; i < b; i++) {
            int pad = maxLen - rows[i].length;
            for (int j = 0; j < maxLen; j++) {
                boolean isReal = j >= pad;
                ids[i * maxLen + j] = isReal ? rows[i][j - pad] : 0;
                positions[i * maxLen + j] = isReal ? j - pad : 0;
                real[i][j] = isReal;
            }
            nextPosition[i] = rows[i].length;
        }
        Sampler[] samplers = new Sampler[b];
        long[][] out = new long[b][config.maxNewTokens()];
        int[] produced = new int[b];
        boolean[] done = new boolean[b];
        int length = maxLen;
        int steps = 0;
        try (KvCache cache = model.newCache(manager)) {
            for (int i = 0; i < b; i++) {
                samplers[i] = new Sampler(config);
            }
            long[] feed = ids;
            long[] feedPositions = positions;
            int feedLen = maxLen;
            while (steps < config.maxNewTokens()) {
                float[][] logits = batchLogits(feed, feedPositions, b, feedLen, real, length, cache);
                boolean allDone = true;
                long[] next = new long[b];
                for (int i = 0; i < b; i++) {
                    next[i] = 0;
                    if (!done[i]) {
                        long token = samplers[i].next(logits[i]);
                        if (config.isEnd(token)) {
                            done[i] = true;
                        } else {
                            out[i][produced[i]++] = token;
                            next[i] = token;
                            done[i] = produced[i] == config.maxNewTokens();
                        }
                    }
                    real[i][length] = true; // finished rows feed a masked-in dummy; ignored
                    allDone &= done[i];
                }
                steps++;
                if (allDone) {
                    break;
                }
                feed = next;
                feedPositions = nextPosition.clone();
                for (int i = 0; i < b; i++) {
                    nextPosition[i]++;
                }
                feedLen = 1;
                length++;
            }
        }
        long[][] result = new long[b][];
        for (int i = 0; i < b; i++) {
            result[i] = Arrays.copyOf(out[i], produced[i]);
        }
        return result;
    }

    private float[][] batchLogits(long[] feed, long[] positions, int b, int t, boolean[][] real,
            int keys, KvCache cache) {
        boolean[] mask = new boolean[b * keys];
        for (int i = 0; i < b; i++) {
            System.arraycopy(real[i], 0, mask, i * keys, keys);
        }
        return RowBatch.lastLogits(model, ps, manager, cache, feed, positions, mask, b, true);
    }

    private void checkPrompt(long[] prompt, String what) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException(what + " is empty: give at least one token");
        }
        Tokenizer.requireInVocabulary(prompt, model.config().vocabSize());
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
        try (NDManager scope = manager.newSubManager()) {
            NDArray ids = scope.create(feed).reshape(1, feed.length);
            return model.lastLogits(ps, ids, ForwardState.inference().withCache(cache)).get(0)
                    .toType(DataType.FLOAT32, false).toFloatArray();
        }
    }
}
