package dev.jgpt.model.nn;

/**
 * A linear layer LoRA can adapt, as a family names it.
 *
 * @param linear the layer
 * @param groups how many outputs it fuses, each adapted on its own: 3 for GPT-2's {@code c_attn}
 *     (query, key and value in one matrix), 1 otherwise
 */
public record LoraTarget(Linear linear, int groups) {}
