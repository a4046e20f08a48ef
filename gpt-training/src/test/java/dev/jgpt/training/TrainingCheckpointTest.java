package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointTest {

    @TempDir Path tmp;

    private static ResumableAdamW adamw() {
        return ResumableAdamW.builder().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
    }

    /** A disk that fills up half-way through the model: the partial folder goes, the last good one stays. */
    @Test
    void aFailedSaveRemovesItsPartialFolderAndKeepsTheLastCheckpoint() throws IOException {
        TrainingCheckpoint.State first = new TrainingCheckpoint.State(5, 0, 5, 100, 1.0);
        TrainingCheckpoint.save(tmp, dir -> Files.writeString(dir.resolve("model.bin"), "good"), Map.of(), adamw(),
                first);
        TrainingCheckpoint.ModelWriter diskFull = dir -> {
            Files.write(dir.resolve("model.bin"), new byte[1 << 20]); // a megabyte written, then the disk is full
            throw new IOException("No space left on device");
        };
        assertThatThrownBy(() -> TrainingCheckpoint.save(tmp, diskFull, Map.of(), adamw(),
                new TrainingCheckpoint.State(10, 0, 10, 200, 2.0)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("No space left on device")
                .hasMessageContaining("the last complete one stays");
        assertThat(tmp.resolve(".checkpoint-tmp")).doesNotExist();
        Path kept = TrainingCheckpoint.find(tmp).orElseThrow();
        assertThat(TrainingCheckpoint.readState(kept)).isEqualTo(first);
        assertThat(Files.readString(kept.resolve("model.bin"))).isEqualTo("good");
    }

    @Test
    void aModelWritersOwnExceptionAlsoRemovesThePartialFolder() {
        TrainingCheckpoint.ModelWriter failing = dir -> {
            Files.writeString(dir.resolve("half"), "x");
            throw new IllegalStateException("cannot serialise");
        };
        assertThatThrownBy(() -> TrainingCheckpoint.save(tmp, failing, Map.of(), adamw(),
                new TrainingCheckpoint.State(1, 0, 1, 1, 0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot serialise");
        assertThat(tmp.resolve(".checkpoint-tmp")).doesNotExist();
        assertThat(TrainingCheckpoint.find(tmp)).isEmpty();
    }
}
