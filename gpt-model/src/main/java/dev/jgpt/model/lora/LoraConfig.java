package dev.jgpt.model.lora;

/**
 * LoRA settings.
 *
 * @param rank the rank {@code r} of each adapter (the book's appendix E uses 16)
 * @param alpha the scaling numerator: updates are multiplied by {@code alpha / rank}, the
 *     convention of the LoRA paper and HF peft. (The book's {@code LoRALayer} multiplies by
 *     {@code alpha} alone, so its {@code alpha = 16, r = 16} is {@code alpha = 256} here.)
 */
public record LoraConfig(int rank, float alpha) {

    /** Validates. */
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        }
        if (!(alpha > 0) || !Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
        }
    }
}
