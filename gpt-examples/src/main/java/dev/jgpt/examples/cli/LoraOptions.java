package dev.jgpt.examples.cli;

import dev.jgpt.model.lora.LoraConfig;
import picocli.CommandLine.Option;

/** {@code --lora-rank} / {@code --lora-alpha}, shared by the fine-tuning commands. */
final class LoraOptions {

    @Option(names = "--lora-rank", defaultValue = "0",
            description = "Train LoRA adapters of this rank instead of the weights; 0: off (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--lora-alpha", defaultValue = "16",
            description = "LoRA scale numerator: adapters add (alpha/rank) B A (default: ${DEFAULT-VALUE}).")
    float alpha;

    /**
     * The adapters' settings, or {@code null} when off.
     *
     * @throws IllegalArgumentException for a negative rank or a bad alpha
     */
    LoraConfig config() {
        return rank != 0 ? new LoraConfig(rank, alpha) : null;
    }
}
