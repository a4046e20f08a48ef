package dev.jgpt.examples.cli;

import dev.jgpt.training.PretrainConfig;
import picocli.CommandLine.Option;

/** Learning-rate schedule, clipping, accumulation, checkpoint cadence and time budget of the language-model trainers. */
final class ScheduleOptions {

    @Option(names = "--warmup-steps",
            description = "Linear warm-up then cosine decay; 0 keeps the lr fixed (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--min-lr", description = "End of the cosine decay (default: ${DEFAULT-VALUE}).")
    float minLr;

    @Option(names = "--grad-clip", description = "Global gradient-norm limit; 0 disables (default: ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--grad-accumulation", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
    int gradAccumulation;

    @Option(names = "--checkpoint-every",
            description = "Also checkpoint every N steps; 0: at epoch ends only (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--max-minutes", defaultValue = "0",
            description = "Stop after this many minutes of training (with an evaluation, a sample and a checkpoint that"
                    + " --resume continues); 0: no limit (default: ${DEFAULT-VALUE}).")
    double maxMinutes;

    /** Sets these options on {@code b}. */
    PretrainConfig.Builder applyTo(PretrainConfig.Builder b) {
        return b.warmup(warmupSteps, minLr).gradClip(gradClip).gradAccumulation(gradAccumulation)
                .checkpointEvery(checkpointEvery).timeBudgetSeconds(maxMinutes * 60);
    }
}
