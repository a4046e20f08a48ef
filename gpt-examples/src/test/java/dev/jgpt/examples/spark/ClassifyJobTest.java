package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClassifyJob} in {@code local[2]} labels each row as {@code jgpt classify} labels its text. */
class ClassifyJobTest {

    static final int ROWS = 250;

    @TempDir static Path tmp;
    static Path classifier;
    static SparkSession spark;
    static List<Row> rows;

    @BeforeAll
    static void setUp() throws Exception {
        spark = LocalSpark.session();
        classifier = tmp.resolve("classifier");
        // the tiny GPT-2's weights with a new, seeded head: a classifier whose labels vary by text
        try (TextClassifier c = TextClassifier.fromLanguageModel(TestData.modelFolder("tiny-gpt2", tmp.resolve("lm")),
                List.of("ham", "spam"), 48, Engine.getInstance().defaultDevice(), 11)) {
            c.save(classifier);
        }
        String verdict = Files.readString(TestData.dataset("the-verdict.txt"));
        Random random = new Random(5);
        rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int from = random.nextInt(verdict.length() - 600);
            rows.add(RowFactory.create((long) i, verdict.substring(from, from + 5 + random.nextInt(500))));
        }
        rows.add(RowFactory.create((long) ROWS, null));
        rows.add(RowFactory.create(ROWS + 1L, ""));
    }

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    private static Dataset<Row> input() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(4);
    }

    @Test
    void rowsGetTheLabelAndProbabilityTheCommandPrintsForTheirText() {
        ClassifyJob job = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(classifier.toString()))
                .withBatchSize(8));
        List<Row> got = job.apply(input()).collectAsList();
        assertThat(got).hasSize(ROWS + 2);

        // the command, all texts in one call: label <TAB> probability (4 places) <TAB> text
        List<String> args = new ArrayList<>(List.of("classify", "--model", classifier.toString(), "--"));
        for (int i = 0; i < ROWS; i++) {
            args.add(rows.get(i).getString(1));
        }
        LocalSpark.Cli cli = LocalSpark.jgpt(args.toArray(new String[0]));
        assertThat(cli.code()).as(cli.err()).isZero();
        String[] lines = cli.out().split("\n");
        assertThat(lines).hasSize(ROWS);
        Map<Long, Row> byId = new HashMap<>();
        got.forEach(r -> byId.put(r.getLong(0), r));
        java.util.Set<String> labels = new java.util.HashSet<>();
        try (TextClassifier alone = TextClassifier.load(classifier, Engine.getInstance().defaultDevice())) {
            for (int i = 0; i < ROWS; i++) {
                Row r = byId.get((long) i);
                String[] printed = lines[i].split("\t");
                assertThat(r.<String>getAs("error")).isNull();
                assertThat(r.<String>getAs("label")).as("row %d", i).isEqualTo(printed[0]);
                assertThat(r.<Double>getAs("probability")).isCloseTo(Double.parseDouble(printed[1]),
                        org.assertj.core.data.Offset.offset(5.1e-5));
                TextClassifier.Prediction p = alone.classify(rows.get(i).getString(1));
                assertThat(r.<Double>getAs("probability")).isCloseTo(p.probability(),
                        org.assertj.core.data.Offset.offset(1e-5));
                labels.add(p.label());
            }
        }
        assertThat(labels).as("a test where every row gets one label could not tell rows apart").hasSize(2);
        assertThat(byId.get((long) ROWS).<String>getAs("error")).isEqualTo("no text (null)");
        assertThat(byId.get(ROWS + 1L).<String>getAs("error")).isEqualTo("the text is empty");
        assertThat(byId.get(ROWS + 1L).<String>getAs("label")).isNull();
        JobCounters.Summary s = job.summary();
        assertThat(s.rows()).isEqualTo(ROWS + 2);
        assertThat(s.errors()).isEqualTo(2);
        assertThat(s.loadsByExecutor()).hasSize(1); // local mode: the driver is the one executor
    }

    @Test
    void theClassifierIsLoadedOncePerExecutorJvmForEveryTaskAndJob() {
        ExecutorModels.closeAll();
        long before = ExecutorModels.loads();
        ClassifyJob first = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(classifier.toString())));
        assertThat(first.apply(input().repartition(6)).count()).isEqualTo(ROWS + 2);
        ClassifyJob second = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(classifier.toString())));
        second.apply(input()).write().parquet(tmp.resolve("out.parquet").toString());
        assertThat(ExecutorModels.loads() - before).isEqualTo(1); // six tasks, then four more: one load
        assertThat(first.summary().modelLoads() + second.summary().modelLoads()).isEqualTo(1);
        assertThat(spark.read().parquet(tmp.resolve("out.parquet").toString()).filter("error is null").count())
                .isEqualTo(ROWS);
        ExecutorModels.closeAll();
        assertThat(ExecutorModels.held()).isZero();
    }

    @Test
    void aMissingColumnOrClassifierIsOneClearError() {
        assertThatThrownBy(() -> new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(classifier.toString()))
                .withTextColumn("message")).apply(input())).hasMessage("The input has no column 'message' (it has id, text)");
        ClassifyJob missing = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(tmp.resolve("none").toString())));
        assertThatThrownBy(() -> missing.apply(input()).count()).hasMessageContaining("is not a model folder");
    }
}
