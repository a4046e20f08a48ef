package dev.jgpt.model.generate;

import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Locale;

/**
 * How to pick each next token.
 *
 * @param maxNewTokens how many tokens to generate at most; {@code >= 0}
 * @param temperature 0 for greedy decoding, otherwise logits are divided by it before sampling;
 *     {@code >= 0}
 * @param topK keep only the {@code k} most likely tokens; {@code 0} disables, otherwise {@code >=
 *     1}
 * @param topP keep the smallest set of tokens whose probability reaches {@code p} (nucleus);
 *     in {@code (0, 1]}, 1 disables
 * @param endIds stop when any of these ids is produced (it is not returned); empty never stops.
 *     A model may have several (Llama 3's {@code <|end_of_text|>}, {@code <|eot_id|>}, ...).
 * @param seed seeds the sampler, so the same settings give the same text
 */
public record SamplingConfig(
        int maxNewTokens, float temperature, int topK, float topP, long[] endIds, long seed) {

    /** GPT-2's end-of-text id. */
    public static final long GPT2_END_OF_TEXT = 50256;

    /** Rejects invalid settings with a message naming the setting and its value. */
    public SamplingConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be a number >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 1 (or 0 to disable), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        endIds = endIds == null ? new long[0] : Arrays.stream(endIds).distinct().sorted().toArray();
        for (long id : endIds) {
            if (id < 0) {
                throw new IllegalArgumentException("end ids must be >= 0, got " + id);
            }
        }
    }

    /** The settings with one end id, {@code -1} for none. */
    public SamplingConfig(int maxNewTokens, float temperature, int topK, float topP, long endOfTextId,
            long seed) {
        this(maxNewTokens, temperature, topK, topP, endOfTextId < 0 ? new long[0] : new long[] {endOfTextId},
                seed);
    }

    /** Greedy decoding of {@code maxNewTokens} tokens with no end-of-text stop. */
    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(maxNewTokens, 0f, 0, 1f, new long[0], 0);
    }

    /** The end ids, sorted (a copy). */
    @Override
    public long[] endIds() {
        return endIds.clone();
    }

    /** Whether {@code id} ends generation. */
    public boolean isEnd(long id) {
        return Arrays.binarySearch(endIds, id) >= 0;
    }

    /** Whether every step takes the most likely token. */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** A copy that stops at {@code id} only ({@code -1} for never). */
    public SamplingConfig withEndOfText(long id) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, id, seed);
    }

    /** A copy that stops at any of {@code ids} (none: never). */
    public SamplingConfig withEndIds(long... ids) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, ids, seed);
    }

    /** A copy that stops at the tokenizer's end ids ({@link Tokenizer#endIds()}). */
    public SamplingConfig withEndIdsOf(Tokenizer tokenizer) {
        return withEndIds(tokenizer.endIds());
    }

    /** A copy with these sampling settings. */
    public SamplingConfig withSampling(float temperature, int topK, float topP, long seed) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, endIds, seed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplingConfig c && c.maxNewTokens == maxNewTokens
                && Float.compare(c.temperature, temperature) == 0 && c.topK == topK
                && Float.compare(c.topP, topP) == 0 && Arrays.equals(c.endIds, endIds) && c.seed == seed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[] {maxNewTokens, Float.floatToIntBits(temperature), topK,
            Float.floatToIntBits(topP), Arrays.hashCode(endIds), seed});
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SamplingConfig[maxNewTokens=%d, temperature=%s, topK=%d, topP=%s,"
                + " endIds=%s, seed=%d]", maxNewTokens, temperature, topK, topP, Arrays.toString(endIds), seed);
    }
}
