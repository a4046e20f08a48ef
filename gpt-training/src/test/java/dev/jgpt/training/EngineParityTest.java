package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jgpt.model.Engines;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same results on both training engines, in one JVM: the reference fixture, checkpoints
 * moved between engines, and a short training run. Both engines are test dependencies, so this
 * runs in every build ({@code -Pmxnet} makes MXNet the default for all the other tests too).
 */
class EngineParityTest {

    static final List<String> ENGINES = List.of("PyTorch", "MXNet");

    @TempDir Path tmp;

    private static float[] logits(LanguageModel lm, long[] ids) {
        try (NDManager scope = lm.manager().newSubManager()) {
            return lm.logits(scope.create(ids).reshape(1, ids.length)).toFloatArray();
        }
    }

    @Test
    void bothEnginesAreHere() {
        assertThat(Engines.available()).containsAll(ENGINES);
    }

    @Test
    void theFixtureGivesTheReferenceLogitsAndContinuationOnEachEngine() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        for (String engine : ENGINES) {
            try (LanguageModel lm = LanguageModel.load(fx.dir, Device.cpu(), engine)) {
                assertThat(lm.manager().getEngine().getEngineName()).isEqualTo(engine);
                float[] got;
                try (NDManager scope = lm.manager().newSubManager()) {
                    NDArray input = scope.create(fx.flatInputIds()).reshape(fx.inputIds.length, fx.inputIds[0].length);
                    got = lm.logits(input).toFloatArray();
                }
                assertThat(fx.worstViolation(got)).as(engine).isLessThanOrEqualTo(0);
                long[] continuation = new Generator(lm).greedy(fx.greedyPrompt, fx.greedyContinuation.length);
                assertThat(continuation).as(engine).containsExactly(fx.greedyContinuation);
            }
        }
    }

    @Test
    void aCheckpointSavedUnderOneEngineLoadsUnderTheOther() {
        GptConfig cfg = GptConfig.tiny().withTiedEmbeddings(false);
        long[] ids = {464, 3290, 318, 257, 1332, 13};
        for (int from = 0; from < 2; from++) {
            String a = ENGINES.get(from);
            String b = ENGINES.get(1 - from);
            Path dir = tmp.resolve(a);
            float[] original;
            try (LanguageModel lm = LanguageModel.create(cfg, Device.cpu(), 5, InitStyle.GPT2, a)) {
                original = logits(lm, ids);
                lm.save(dir);
            }
            try (LanguageModel lm = LanguageModel.load(dir, Device.cpu(), b)) {
                assertThat(lm.manager().getEngine().getEngineName()).isEqualTo(b);
                assertThat(FloatArrays.maxAbsDiff(logits(lm, ids), original)).as(a + " -> " + b).isLessThan(1e-5);
            }
        }
    }

    @Test
    void aShortPretrainingRunLowersTheLossOnEachEngine() throws Exception {
        String text = Files.readString(TestData.dataset("the-verdict.txt")).substring(0, 8000);
        long[] ids;
        try (Gpt2Tokenizer tokenizer = Gpt2Tokenizer.builtIn()) {
            ids = tokenizer.encode(text);
            int cut = (int) (ids.length * 0.9);
            long[] train = Arrays.copyOfRange(ids, 0, cut);
            long[] val = Arrays.copyOfRange(ids, cut, ids.length);
            PretrainConfig cfg = PretrainConfig.builder().epochs(3).batchSize(2).contextLength(32)
                    .learningRate(3e-3f).gradClip(1.0).gradAccumulation(2)
                    .evaluation(4, 2).sample("Every effort moves you", 3).seed(7).build();
            for (String engine : ENGINES) {
                try (LanguageModel lm = LanguageModel.create(GptConfig.tiny().withContextLength(32), Device.cpu(), 3,
                        InitStyle.GPT2, engine)) {
                    Pretrainer.Result r = new Pretrainer(cfg, tokenizer, tmp.resolve("run-" + engine), null)
                            .train(lm, train, val, null);
                    List<Evaluation> e = r.evaluations();
                    assertThat(e.get(e.size() - 1).trainLoss()).as(engine).isLessThan(e.get(0).trainLoss() - 1.0);
                }
            }
        }
    }
}
