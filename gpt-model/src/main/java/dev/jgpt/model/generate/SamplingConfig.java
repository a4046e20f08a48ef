package dev.jgpt.model.generate;

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
 * @param endOfTextId stop when this id is produced (it is not returned); {@code -1} never stops
 * @param seed seeds the sampler, so the same settings give the same text
 */
public record SamplingConfig(
        int maxNewTokens, float temperature, int topK, float topP, long endOfTextId, long seed) {

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
    }

    /** Greedy decoding of {@code maxNewTokens} tokens with no end-of-text stop. */
    public static SamplingConfig greedy(int maxNewTokens) {
        return new SamplingConfig(maxNewTokens, 0f, 0, 1f, -1, 0);
    }

    /** Whether every step takes the most likely token. */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** A copy that stops at {@code id} ({@code -1} for never). */
    public SamplingConfig withEndOfText(long id) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, id, seed);
    }

    /** A copy with these sampling settings. */
    public SamplingConfig withSampling(float temperature, int topK, float topP, long seed) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, endOfTextId, seed);
    }
}
