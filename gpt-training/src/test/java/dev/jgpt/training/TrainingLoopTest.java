package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop itself, on a task of fixed random windows (the trainers' own tests cover the rest). */
class TrainingLoopTest {

    @TempDir Path tmp;

    /** {@code count} windows of 8 tokens; records what the loop asked for. */
    private static final class Windows implements TrainingLoop.Task {
        final LanguageModel lm;
        final int count;
        final boolean checkpoints;
        final List<TrainingLoop.Progress> progress = new ArrayList<>();
        final List<Integer> firsts = new ArrayList<>();
        boolean prepared;

        Windows(LanguageModel lm, int count, boolean checkpoints) {
            this.lm = lm;
            this.count = count;
            this.checkpoints = checkpoints;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public TrainingLoop.Batch batch(NDManager manager, int[] order, int first, int size) {
            assertThat(prepared).isTrue();
            firsts.add(first);
            long[] ids = new long[size * 9];
            for (int b = 0; b < size; b++) {
                for (int t = 0; t < 9; t++) {
                    ids[b * 9 + t] = (order[first + b] * 31L + t * 7L) % 50257;
                }
            }
            var all = manager.create(ids).reshape(size, 9);
            return new TrainingLoop.Batch(new NDList(all.get(":, :8")), new NDList(all.get(":, 1:")), size * 8L);
        }

        @Override
        public Shape[] inputShapes() {
            return new Shape[] {new Shape(2, 8)};
        }

        @Override
        public void prepare() {
            prepared = true;
        }

        @Override
        public Map<String, Parameter> optimized() {
            return TrainingCheckpoint.optimized(lm.block());
        }

        @Override
        public TrainingCheckpoint.ModelWriter modelWriter() {
            return checkpoints ? lm::save : null;
        }

        @Override
        public void afterStep(TrainingLoop.Progress p) {
            progress.add(p);
        }
    }

    private static TrainingLoop.Settings settings(int epochs, int batch, int accumulation) {
        return new TrainingLoop.Settings(epochs, batch, accumulation, 1.0, 1e-3f, 0.1f, 0, 0f, 0, 3);
    }

    @Test
    void runsEveryStepOfEveryEpochAndCountsWhatItSaw() {
        try (LanguageModel lm = LanguageModel.create(GptConfig.tiny(), Engine.getInstance().defaultDevice(), 1)) {
            Windows task = new Windows(lm, 9, false); // 9 windows, batch 2 x 2: 2 steps per epoch, one left over
            TrainingLoop loop = new TrainingLoop(settings(3, 2, 2), null);
            assertThat(loop.stepsPerEpoch(9)).isEqualTo(2);
            TrainingLoop.Outcome outcome = loop.run(lm.model(), task, null);
            assertThat(outcome.steps()).isEqualTo(6);
            assertThat(outcome.seen()).isEqualTo(6 * 2 * 2 * 8);
            assertThat(task.progress).extracting(TrainingLoop.Progress::step).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(task.progress).extracting(TrainingLoop.Progress::epochs).containsExactly(0.5, 1.0, 1.5, 2.0, 2.5, 3.0);
            assertThat(task.progress).extracting(TrainingLoop.Progress::epochEnd)
                    .containsExactly(false, true, false, true, false, true);
            assertThat(task.progress).allSatisfy(p -> assertThat(p.loss()).isFinite().isPositive());
            // each step reads two micro-batches of two windows: first windows 0, 2, 4, 6 per epoch
            assertThat(task.firsts.subList(0, 4)).containsExactly(0, 2, 4, 6);
            assertThat(tmp.resolve(TrainingCheckpoint.DIR)).doesNotExist();
        }
    }

    @Test
    void checkpointsAtEachEpochEndWhenTheTaskWritesTheModel() throws Exception {
        try (LanguageModel lm = LanguageModel.create(GptConfig.tiny(), Engine.getInstance().defaultDevice(), 1)) {
            new TrainingLoop(settings(2, 2, 1), tmp).run(lm.model(), new Windows(lm, 4, true), null);
        }
        Path checkpoint = TrainingCheckpoint.find(tmp).orElseThrow();
        TrainingCheckpoint.State state = TrainingCheckpoint.readState(checkpoint);
        assertThat(state.step()).isEqualTo(4);
        assertThat(state.epoch()).isEqualTo(2);
        assertThat(state.tokensSeen()).isEqualTo(4 * 2 * 8);
        assertThat(Files.list(checkpoint).map(p -> p.getFileName().toString()))
                .contains("config.json", "jgpt-0000.params", "optimizer.bin", "state.json");
    }

    @Test
    void tooFewExamplesForOneStepIsAClearError() {
        try (LanguageModel lm = LanguageModel.create(GptConfig.tiny(), Engine.getInstance().defaultDevice(), 1)) {
            assertThatThrownBy(() -> new TrainingLoop(settings(1, 2, 2), null).run(lm.model(), new Windows(lm, 3, false), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The training data gives 3 examples: too few for one step of 4");
        }
    }
}
