package dev.jgpt.examples.cli;

import dev.jgpt.model.lora.LoraConfig;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --lora-rank} / {@code --lora-alpha} / {@code --lora-targets}, shared by the fine-tuning commands. */
final class LoraOptions {

    @Option(names = "--lora-rank", defaultValue = "0",
            description = "Train LoRA adapters of this rank instead of the weights; 0: off (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(names = "--lora-alpha", defaultValue = "16",
            description = "LoRA scale numerator: adapters add (alpha/rank) B A (default: ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--lora-targets", split = ",", paramLabel = "MODULE",
            description = "Modules to adapt, as peft's target_modules: names matched against the end of the HF"
                    + " module path (q_proj,v_proj; c_attn; attn.c_proj) or all-linear (default: every linear"
                    + " layer of the family but the output head).")
    List<String> targets;

    /**
     * The adapters' settings, or {@code null} when off.
     *
     * @throws IllegalArgumentException for a negative rank, a bad alpha or a blank target
     */
    LoraConfig config() {
        if (rank == 0 && targets != null) {
            throw new IllegalArgumentException("--lora-targets needs --lora-rank");
        }
        return rank != 0 ? new LoraConfig(rank, alpha, targets == null ? null : targets.stream().map(String::trim)
                .toList()) : null;
    }
}
