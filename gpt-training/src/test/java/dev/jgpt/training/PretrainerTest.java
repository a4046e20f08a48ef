package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import dev.jgpt.datasets.TokenIds;
import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainerTest {

    private static Gpt2Tokenizer tokenizer;
    private static long[] trainIds;
    private static long[] valIds;

    @TempDir Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        tokenizer = Gpt2Tokenizer.builtIn();
        String text = Files.readString(TestData.dataset("the-verdict.txt")).substring(0, 4000);
        long[] ids = tokenizer.encode(text);
        int cut = (int) (ids.length * 0.9);
        trainIds = Arrays.copyOfRange(ids, 0, cut);
        valIds = Arrays.copyOfRange(ids, cut, ids.length);
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static PretrainConfig config(int epochs, int batch, int accumulation, float dropout) {
        return PretrainConfig.builder().epochs(epochs).batchSize(batch).contextLength(32)
                .learningRate(2e-3f).gradClip(1.0).gradAccumulation(accumulation)
                .evaluation(2, 2).sample("Every effort moves you", 5).seed(7).build();
    }

    private static LanguageModel fresh(float dropout) {
        GptConfig cfg = GptConfig.tiny().withDropRate(dropout);
        return LanguageModel.create(cfg, Engine.getInstance().defaultDevice(), 5);
    }

    private static float[] weights(LanguageModel lm) {
        return lm.block().namedParameters().get("h.1.mlp.c_fc.weight").getArray().toFloatArray();
    }

    @Test
    void lossFallsAndTheRunLeavesMetricsPlotAndCheckpoint() throws Exception {
        Path out = tmp.resolve("run");
        List<String> samples = new ArrayList<>();
        List<Long> sampleSteps = new ArrayList<>();
        Pretrainer.Result result;
        PretrainConfig cfg = config(4, 2, 1, 0.1f);
        cfg = cfg.toBuilder().warmup(0, 0f).gradAccumulation(1).checkpointEvery(0).sample(cfg.samplePrompt(), 5)
                .sampleEvery(1000).build();
        List<Integer> liveArrays = new ArrayList<>();
        try (LanguageModel lm = fresh(0.1f)) {
            result = new Pretrainer(cfg, tokenizer, out, new Pretrainer.Listener() {
                @Override
                public void onStep(long step, long totalSteps, int epoch, float loss) {
                    // every NDArray alive in the engine's manager tree, at the same point of each step
                    liveArrays.add(lm.manager().getParentManager().getManagedArrays().size());
                }

                @Override
                public void onSample(int epoch, long step, String text) {
                    samples.add(text);
                    sampleSteps.add(step);
                }
            }).train(lm, trainIds, valIds, null);
        }
        // steps, evaluations, samples and checkpoints leave nothing behind
        assertThat(liveArrays).hasSizeGreaterThan(20);
        assertThat(liveArrays.subList(1, liveArrays.size())).containsOnly(liveArrays.get(1));
        long stepsPerEpoch = result.steps() / 4;
        assertThat(sampleSteps).containsExactly(stepsPerEpoch, 2 * stepsPerEpoch, 3 * stepsPerEpoch, 4 * stepsPerEpoch);
        List<Evaluation> evals = result.evaluations();
        assertThat(evals).isNotEmpty();
        assertThat(evals.get(evals.size() - 1).trainLoss()).isLessThan(evals.get(0).trainLoss() - 1.0);
        assertThat(evals.get(0).validationPerplexity()).isEqualTo(Math.exp(evals.get(0).validationLoss()));
        assertThat(result.tokensSeen()).isEqualTo(result.steps() * 2 * 32);
        assertThat(samples).hasSize(4).allSatisfy(s -> assertThat(s).startsWith("Every effort moves you"));
        assertThat(Files.readAllLines(out.resolve("metrics.csv"))).hasSize(evals.size() + 1)
                .first().isEqualTo(MetricsLog.HEADER);
        assertThat(out.resolve("loss.png")).isNotEmptyFile();
        assertThat(TrainingCheckpoint.readState(out.resolve("checkpoint")).step()).isEqualTo(result.steps());
    }

    @Test
    void aRunKilledMidEpochResumesToTheSameStepsAndWeights() throws Exception {
        PretrainConfig cfg = config(3, 2, 1, 0.1f).toBuilder().evaluation(2, 2).checkpointEvery(3).sample("x", 0).seed(7)
                .build();
        float[] straight;
        long straightSteps;
        try (LanguageModel lm = fresh(0.1f)) {
            straightSteps = new Pretrainer(cfg, tokenizer, tmp.resolve("a"), null)
                    .train(lm, trainIds, valIds, null).steps();
            straight = weights(lm);
        }
        Path out = tmp.resolve("b");
        try (LanguageModel lm = fresh(0.1f)) {
            Pretrainer.Listener killer = new Pretrainer.Listener() {
                @Override
                public void onStep(long step, long total, int epoch, float loss) {
                    if (step == 8) {
                        throw new IllegalStateException("killed");
                    }
                }
            };
            assertThatThrownBy(() -> new Pretrainer(cfg, tokenizer, out, killer)
                    .train(lm, trainIds, valIds, null)).hasMessage("killed");
        }
        Path checkpoint = TrainingCheckpoint.find(out).orElseThrow();
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isEqualTo(6);
        try (LanguageModel lm = LanguageModel.load(checkpoint)) {
            Pretrainer.Result resumed = new Pretrainer(cfg, tokenizer, out, null)
                    .train(lm, trainIds, valIds, checkpoint);
            assertThat(resumed.steps()).isEqualTo(straightSteps);
            FloatArrays.assertBitEqual(weights(lm), straight);
        }
        // metrics were cut back to the checkpoint and continued, not duplicated
        List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
        List<String> reference = Files.readAllLines(tmp.resolve("a").resolve("metrics.csv"));
        assertThat(rows).hasSameSizeAs(reference);
    }

    @Test
    void aTimeBudgetStopsWithACheckpointThatResumesBitForBit() throws Exception {
        PretrainConfig cfg = config(2, 2, 1, 0.1f).toBuilder().evaluation(100, 2).sample("x", 0).seed(9).build();
        float[] straight;
        Pretrainer.Result whole;
        try (LanguageModel lm = fresh(0.1f)) {
            whole = new Pretrainer(cfg, tokenizer, tmp.resolve("a"), null).train(lm, trainIds, valIds, null);
            straight = weights(lm);
        }
        assertThat(whole.outOfTime()).isFalse();
        Path out = tmp.resolve("b");
        PretrainConfig budget = cfg.toBuilder().timeBudgetSeconds(1e-9).build(); // used up by the first step
        Pretrainer.Result stopped;
        try (LanguageModel lm = fresh(0.1f)) {
            stopped = new Pretrainer(budget, tokenizer, out, null).train(lm, trainIds, valIds, null);
        }
        assertThat(stopped.outOfTime()).isTrue();
        assertThat(stopped.steps()).isEqualTo(1);
        assertThat(stopped.evaluations()).hasSize(1); // it evaluates where it stops
        Path checkpoint = TrainingCheckpoint.find(out).orElseThrow();
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isEqualTo(1);
        try (LanguageModel lm = LanguageModel.load(checkpoint)) {
            Pretrainer.Result resumed = new Pretrainer(cfg, tokenizer, out, null).train(lm, trainIds, valIds, checkpoint);
            assertThat(resumed.steps()).isEqualTo(whole.steps());
            assertThat(resumed.outOfTime()).isFalse();
            FloatArrays.assertBitEqual(weights(lm), straight);
        }
        assertThatThrownBy(() -> cfg.toBuilder().timeBudgetSeconds(-1).build()).hasMessageContaining("timeBudgetSeconds");
    }

    @Test
    void aNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() {
        Path out = tmp.resolve("nan");
        PretrainConfig cfg = config(2, 2, 1, 0f).toBuilder().evaluation(2, 2).checkpointEvery(2).sample("x", 0).seed(7)
                .build();
        try (LanguageModel lm = fresh(0f)) {
            Pretrainer.Listener poison = new Pretrainer.Listener() {
                @Override
                public void onCheckpoint(Path dir, long step) {
                    NDArray w = lm.block().namedParameters().get("wte.weight").getArray();
                    float[] nan = new float[(int) w.size()];
                    Arrays.fill(nan, Float.NaN);
                    w.set(nan);
                }
            };
            assertThatThrownBy(() -> new Pretrainer(cfg, tokenizer, out, poison).train(lm, trainIds, valIds, null))
                    .isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("at step 3")
                    .hasMessageContaining("last good checkpoint");
        }
        Path checkpoint = TrainingCheckpoint.find(out).orElseThrow();
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isEqualTo(2);
        try (LanguageModel lm = LanguageModel.load(checkpoint)) {
            assertThat(lm.block().namedParameters().get("wte.weight").getArray().toFloatArray()[0]).isFinite();
        }
    }

    @Test
    void accumulationEqualsOneLargerBatch() {
        float[] big;
        float[] accumulated;
        try (LanguageModel lm = fresh(0f)) {
            new Pretrainer(config(1, 4, 1, 0f), tokenizer, tmp.resolve("big"), null).train(lm, trainIds, valIds, null);
            big = weights(lm);
        }
        try (LanguageModel lm = fresh(0f)) {
            new Pretrainer(config(1, 2, 2, 0f), tokenizer, tmp.resolve("acc"), null).train(lm, trainIds, valIds, null);
            accumulated = weights(lm);
        }
        assertThat(FloatArrays.maxAbsDiff(big, accumulated)).isLessThan(1e-5);
        try (LanguageModel lm = fresh(0f)) {
            float[] initial = weights(lm);
            assertThat(FloatArrays.maxAbsDiff(initial, big)).isGreaterThan(1e-3);
        }
    }

    @Test
    void samplesAlsoEveryNStepsWhenAsked() {
        PretrainConfig base = config(1, 2, 1, 0f);
        PretrainConfig cfg = PretrainConfig.builder().epochs(1).batchSize(2).contextLength(32).learningRate(2e-3f)
                .evaluation(50, 1).sample("Every effort", 3).sampleEvery(2).seed(base.seed()).build();
        List<Long> steps = new ArrayList<>();
        try (LanguageModel lm = fresh(0f)) {
            long total = new Pretrainer(cfg, tokenizer, tmp.resolve("s"), new Pretrainer.Listener() {
                @Override
                public void onSample(int epoch, long step, String text) {
                    assertThat(text).startsWith("Every effort");
                    steps.add(step);
                }
            }).train(lm, trainIds, valIds, null).steps();
            assertThat(steps).startsWith(2L, 4L, 6L).endsWith(total);
        }
    }

    /** Every parameter's values, by name. */
    private static Map<String, float[]> allWeights(LanguageModel lm) {
        Map<String, float[]> out = new TreeMap<>();
        for (var p : lm.block().namedParameters().entrySet()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    @Test
    void aRunOnTokenShardsEqualsTheSameIdsInMemoryBitForBit() {
        // three documents in two shards and an empty one, joined by end-of-text
        String text = trainText();
        String[] docs = {text.substring(0, 1500), text.substring(1500, 2600), text.substring(2600)};
        long sep = 50256;
        Path dir = tmp.resolve("shards");
        List<TokenShards.Shard> shards = new ArrayList<>();
        List<Long> joined = new ArrayList<>();
        int[][] groups = {{0, 1}, {}, {2}};
        for (int k = 0; k < groups.length; k++) {
            try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-0000" + k + ".u32", sep)) {
                for (int d : groups[k]) {
                    long[] ids = tokenizer.encode(docs[d]);
                    w.add(ids);
                    if (!joined.isEmpty()) {
                        joined.add(sep);
                    }
                    Arrays.stream(ids).forEach(joined::add);
                }
                shards.add(w.finish());
            }
        }
        TokenShards.writeIndex(dir, new TokenShards.Index("gpt2", tokenizer.vocabSize(), sep, shards));
        long[] all = joined.stream().mapToLong(Long::longValue).toArray();
        int cut = (int) (0.9 * all.length);

        PretrainConfig cfg = config(1, 2, 1, 0.1f).toBuilder().evaluation(4, 1).checkpointEvery(0).sample("x", 0).build();
        Pretrainer.Result inMemory;
        Map<String, float[]> memoryWeights;
        try (LanguageModel lm = fresh(0.1f)) {
            inMemory = new Pretrainer(cfg, tokenizer, tmp.resolve("memory"), null).train(lm,
                    TokenIds.of(Arrays.copyOfRange(all, 0, cut)), TokenIds.of(Arrays.copyOfRange(all, cut, all.length)),
                    null);
            memoryWeights = allWeights(lm);
        }
        Pretrainer.Result fromShards;
        Map<String, float[]> shardWeights;
        try (TokenIds ids = TokenShards.open(dir); LanguageModel lm = fresh(0.1f)) {
            assertThat(ids.length()).isEqualTo(all.length);
            long shardCut = (long) (0.9 * ids.length());
            fromShards = new Pretrainer(cfg, tokenizer, tmp.resolve("sharded"), null).train(lm,
                    ids.slice(0, shardCut), ids.slice(shardCut, ids.length()), null);
            shardWeights = allWeights(lm);
        }
        assertThat(fromShards.steps()).isEqualTo(inMemory.steps()).isGreaterThan(10);
        assertThat(fromShards.tokensSeen()).isEqualTo(inMemory.tokensSeen());
        assertThat(fromShards.evaluations()).hasSameSizeAs(inMemory.evaluations()).hasSizeGreaterThan(2);
        for (int i = 0; i < inMemory.evaluations().size(); i++) {
            Evaluation a = fromShards.evaluations().get(i);
            Evaluation b = inMemory.evaluations().get(i);
            assertThat(a.trainLoss()).as("train loss %d", i).isEqualTo(b.trainLoss());
            assertThat(a.validationLoss()).as("validation loss %d", i).isEqualTo(b.validationLoss());
        }
        assertThat(shardWeights.keySet()).isEqualTo(memoryWeights.keySet()).hasSizeGreaterThan(10);
        memoryWeights.forEach((name, w) -> FloatArrays.assertBitEqual(shardWeights.get(name), w));
    }

    private static String trainText() {
        try {
            return Files.readString(TestData.dataset("the-verdict.txt")).substring(0, 4000);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void tooLittleTextIsAClearError() {
        try (LanguageModel lm = fresh(0f)) {
            assertThatThrownBy(() -> new Pretrainer(config(1, 2, 1, 0f), tokenizer, tmp.resolve("x"), null)
                    .train(lm, Arrays.copyOf(trainIds, 20), valIds, null))
                    .hasMessageContaining("too short for one window of 32");
        }
    }
}
