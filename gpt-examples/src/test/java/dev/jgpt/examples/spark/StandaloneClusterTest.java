package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StandaloneCluster}, a real Master and Worker in their own JVMs, running jgpt's {@link
 * GenerateJob} (the model shipped with the job to executors in their own processes): its one
 * executor is killed once a task has finished, the tasks it was
 * running are retried on the executor the Worker starts instead, and the output still has every
 * input row exactly once (the killed executor's finished tasks kept, its unfinished ones not
 * doubled); the generated rows are each what {@code jgpt generate} gives the prompt alone, and each
 * executor JVM loaded the model once.
 */
class StandaloneClusterTest {

    private static final int PARTITIONS = 8;

    @TempDir
    static Path dir;
    private static StandaloneCluster cluster;

    @BeforeAll
    @Timeout(90)
    static void startCluster() throws Exception {
        LocalSpark.stop(); // getOrCreate would hand back the local session of the other Spark tests
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "2g");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Task ends as the driver sees them. */
    static final class Attempts extends SparkListener {
        final CountDownLatch firstSuccess = new CountDownLatch(1);
        final CountDownLatch retriedSuccess = new CountDownLatch(1);
        final List<String> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskInfo().successful()) {
                firstSuccess.countDown();
                if (end.taskInfo().attemptNumber() > 0) {
                    retriedSuccess.countDown();
                }
            } else {
                failures.add("task " + end.taskInfo().index() + " attempt " + end.taskInfo().attemptNumber()
                        + ": " + end.reason());
            }
        }
    }

    @Test
    @Timeout(value = 150, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theGenerateJobSurvivesAKilledExecutorWithEveryRowOnceAndAsGeneratedAlone() throws Exception {
        Path model = dev.jgpt.model.testing.TestData.modelFolder("tiny-gpt2", dir.resolve("model"));
        int rows = 120;
        SparkSession spark = cluster.session("standalone-generate-test", 2, "1g").getOrCreate();
        assertThat(spark.sparkContext().master()).isEqualTo(cluster.masterUrl());
        ExecutorService driver = Executors.newSingleThreadExecutor();
        try {
            Attempts attempts = new Attempts();
            spark.sparkContext().addSparkListener(attempts);
            String out = dir.resolve("generated.parquet").toUri().toString();
            Dataset<Row> input = spark.range(0, rows, 1, PARTITIONS)
                    .selectExpr("id", "concat('Every effort moves you ', repeat('far ', id % 7), id) AS prompt");
            GenerateJob job = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.ship(spark, model))
                    .withGreedy(true).withMaxNewTokens(6).withMaxBatch(4));
            Dataset<Row> output = job.apply(input);
            Future<?> write = driver.submit(() -> output.write().parquet(out));

            assertThat(attempts.firstSuccess.await(90, TimeUnit.SECONDS)).as("a task finished").isTrue();
            assertThat(cluster.executorPids()).hasSize(1);
            cluster.killExecutor();
            write.get(120, TimeUnit.SECONDS);
            assertThat(attempts.failures).anySatisfy(f -> assertThat(f).contains("ExecutorLostFailure"));
            assertThat(attempts.retriedSuccess.await(10, TimeUnit.SECONDS)).as("a retried task succeeded").isTrue();

            List<Row> written = spark.read().parquet(out).collectAsList();
            assertThat(written.stream().map(r -> r.<Long>getAs("id")).sorted().collect(Collectors.toList()))
                    .as("every input row exactly once")
                    .containsExactlyElementsOf(LongStream.range(0, rows).boxed().collect(Collectors.toList()));
            try (dev.jgpt.model.LanguageModel lm = dev.jgpt.model.LanguageModel.load(model);
                    dev.jgpt.model.tokenizer.Tokenizer t = dev.jgpt.model.tokenizer.Tokenizers.forModel(model)) {
                dev.jgpt.model.generate.Generator g = new dev.jgpt.model.generate.Generator(lm, true);
                dev.jgpt.model.generate.SamplingConfig c = dev.jgpt.model.generate.SamplingConfig.greedy(6)
                        .withEndIdsOf(t);
                for (Row r : written) {
                    assertThat(r.<String>getAs("error")).isNull();
                    assertThat(r.<String>getAs("completion")).as("row %d", r.<Long>getAs("id"))
                            .isEqualTo(t.decode(g.generate(t.encodeWithSpecialTokens(r.getAs("prompt")), c, null)));
                }
            }
            JobCounters.Summary summary = job.summary();
            assertThat(summary.rows()).isEqualTo(rows);
            // the killed executor and its replacement, each a JVM that loaded the model once
            assertThat(summary.loadsByExecutor()).hasSize(2).allSatisfy((jvm, loads) -> assertThat(loads).isEqualTo(1));
        } catch (Exception | AssertionError e) {
            throw new AssertionError(e + "\n" + cluster.logTails(), e);
        } finally {
            driver.shutdownNow();
            spark.stop();
        }
    }
}
