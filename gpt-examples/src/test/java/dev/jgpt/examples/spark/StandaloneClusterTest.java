package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StandaloneCluster} with a job shaped like jgpt's Spark jobs (rows through a slow per-row
 * function, partition by partition, written as Parquet): its one executor is killed once a task
 * has finished, the tasks it was running are retried on the executor the Worker starts instead,
 * and the output still has every input row exactly once (the killed executor's finished tasks kept,
 * its unfinished ones not doubled).
 */
class StandaloneClusterTest {

    private static final int ROWS = 200;
    private static final int PARTITIONS = 8;
    private static final long ROW_MILLIS = 50;
    private static final StructType OUT = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("text", DataTypes.StringType, false)
            .add("pid", DataTypes.LongType, false);

    @TempDir
    static Path dir;
    private static StandaloneCluster cluster;

    @BeforeAll
    @Timeout(90)
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "2g");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** What the executors do with each partition: ~50 ms a row, and say which process did it. */
    static Iterator<Row> slowly(Iterator<Row> rows) {
        long pid = ProcessHandle.current().pid();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row in = rows.next();
                try {
                    Thread.sleep(ROW_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                return RowFactory.create(in.getLong(0), in.getString(1), pid);
            }
        };
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
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aKilledExecutorsTasksAreRetriedAndEveryRowIsWrittenOnce() throws Exception {
        SparkSession spark = cluster.session("standalone-cluster-test", 2, "512m").getOrCreate();
        assertThat(spark.sparkContext().master()).as("a SparkContext already running in this JVM")
                .isEqualTo(cluster.masterUrl());
        ExecutorService driver = Executors.newSingleThreadExecutor();
        try {
            Attempts attempts = new Attempts();
            spark.sparkContext().addSparkListener(attempts);
            String out = dir.resolve("out.parquet").toUri().toString();
            Dataset<Row> input = spark.range(0, ROWS, 1, PARTITIONS).selectExpr("id", "concat('row ', id) AS text");
            Dataset<Row> output = input.mapPartitions(
                    (MapPartitionsFunction<Row, Row>) StandaloneClusterTest::slowly, Encoders.row(OUT));
            Future<?> job = driver.submit(() -> output.write().parquet(out));

            assertThat(attempts.firstSuccess.await(60, TimeUnit.SECONDS)).as("a task finished").isTrue();
            // one executor with both cores: rows from a second pid can only come from its replacement
            assertThat(cluster.executorPids()).as("executors when the first task finished").hasSize(1);
            long killed = cluster.killExecutor();
            job.get(90, TimeUnit.SECONDS);

            assertThat(attempts.retriedSuccess.await(10, TimeUnit.SECONDS)).as("a retried task succeeded").isTrue();
            assertThat(attempts.failures).as("failed task attempts")
                    .anySatisfy(f -> assertThat(f).contains("ExecutorLostFailure"));
            List<Row> written = spark.read().schema(OUT).parquet(out).select("id", "pid").collectAsList();
            List<Long> ids = written.stream().map(r -> r.getLong(0)).sorted().collect(Collectors.toList());
            assertThat(ids).as("every input id exactly once")
                    .containsExactlyElementsOf(LongStream.range(0, ROWS).boxed().collect(Collectors.toList()));
            Set<Long> pids = written.stream().map(r -> r.getLong(1)).collect(Collectors.toCollection(TreeSet::new));
            assertThat(pids).as("rows from the killed executor and from its replacement").contains(killed)
                    .hasSizeGreaterThan(1);
        } catch (Exception | AssertionError e) {
            throw new AssertionError(e + "\n" + cluster.logTails(), e);
        } finally {
            driver.shutdownNow();
            spark.stop();
        }
    }
}
