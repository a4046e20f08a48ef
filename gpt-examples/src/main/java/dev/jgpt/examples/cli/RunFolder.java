package dev.jgpt.examples.cli;

import dev.jgpt.training.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.Optional;

/** The {@code --out} / {@code --resume} rule shared by the training commands. */
final class RunFolder {

    private RunFolder() {}

    /**
     * The checkpoint to resume from: the one in {@code out} with {@code --resume} (empty if there
     * is none yet), nothing without it.
     *
     * @throws IllegalArgumentException if {@code out} holds a checkpoint and {@code --resume} is off,
     *     so an earlier run is never overwritten by accident
     */
    static Optional<Path> checkpoint(Path out, boolean resume) {
        Optional<Path> found = TrainingCheckpoint.find(out);
        if (!resume && found.isPresent()) {
            throw new IllegalArgumentException(out + " already holds a checkpoint: add --resume to"
                    + " continue it, or choose another --out");
        }
        return resume ? found : Optional.empty();
    }
}
