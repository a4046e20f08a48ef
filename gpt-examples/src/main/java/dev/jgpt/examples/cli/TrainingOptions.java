package dev.jgpt.examples.cli;

import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.PretrainConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options every training command shares: the run folder, resuming, the optimizer and the
 * evaluation cadence. No default is written here: each command's {@link BookDefaults} takes them
 * from its config's book values, so a default is named once, in the library.
 */
final class TrainingOptions {

    @Option(names = "--out", required = true, description = "The run's folder: checkpoint/, metrics.csv, plots.")
    Path out;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out if there is one.")
    boolean resume;

    @Option(names = "--epochs", description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", description = "Examples per optimizer step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", description = "Peak AdamW learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--weight-decay", description = "AdamW's decoupled weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--eval-every", description = "Steps between evaluations (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-batches", description = "Batches per evaluation (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--seed", description = "Seeds the run: weights, batch order, dropout, a data split (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The checkpoint to resume from, by the {@code --out} / {@code --resume} rule. */
    Optional<Path> checkpoint() {
        return RunFolder.checkpoint(out, resume);
    }

    /** Sets these options on a language-model training config. */
    PretrainConfig.Builder applyTo(PretrainConfig.Builder b) {
        return b.epochs(epochs).batchSize(batchSize).learningRate(lr).weightDecay(weightDecay)
                .evaluation(evalEvery, evalBatches).seed(seed);
    }

    /** Sets these options on a classifier config. */
    ClassifierConfig.Builder applyTo(ClassifierConfig.Builder b) {
        return b.epochs(epochs).batchSize(batchSize).learningRate(lr).weightDecay(weightDecay)
                .evaluation(evalEvery, evalBatches).seed(seed);
    }
}
