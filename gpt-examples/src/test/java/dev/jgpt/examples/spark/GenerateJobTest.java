package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
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

/** {@link GenerateJob} in {@code local[2]} gives each row what {@code jgpt generate} gives its prompt. */
class GenerateJobTest {

    private static final String[] WORDS = {"Every", "effort", "moves", "you", "the", "picture", "Gisburn", "I",
        "had", "always", "thought", "Jack", "a", "cheap", "genius", "though", "good", "fellow", "enough"};

    @TempDir static Path tmp;
    static Path model;
    static SparkSession spark;

    @BeforeAll
    static void setUp() {
        model = TestData.modelFolder("tiny-gpt2", tmp.resolve("model"));
        spark = LocalSpark.session();
    }

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    /** {@code n} prompts of 1-20 words, plus a null one, an empty one and one past the 128-token context. */
    static Dataset<Row> prompts(int n) {
        Random random = new Random(7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int words = 1 + random.nextInt(20);
            String prompt = random.ints(words, 0, WORDS.length).mapToObj(w -> WORDS[w]).collect(Collectors.joining(" "));
            rows.add(RowFactory.create((long) i, prompt));
        }
        rows.add(RowFactory.create((long) n, null));
        rows.add(RowFactory.create((long) n + 1, ""));
        rows.add(RowFactory.create((long) n + 2, "the ".repeat(130)));
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(6);
    }

    /** What {@code jgpt generate} computes for each prompt, one at a time, in this JVM. */
    static Map<Long, String> alone(List<Row> rows, int maxNewTokens, Float temperature, Integer topK, long seed) {
        Map<Long, String> want = new HashMap<>();
        try (LanguageModel lm = LanguageModel.load(model); Tokenizer tokenizer = Tokenizers.forModel(model)) {
            SamplingConfig config = GenerationConfig.read(model).sampling(maxNewTokens, temperature, topK, null, seed)
                    .withEndIdsOf(tokenizer);
            Generator generator = new Generator(lm, true);
            for (Row r : rows) {
                long[] ids = tokenizer.encodeWithSpecialTokens(r.getString(1));
                want.put(r.getLong(0), tokenizer.decode(generator.generate(ids, config, null)));
            }
        }
        return want;
    }

    static final int ROWS = 200;

    /** Checks the job's rows against {@link #alone}; returns the rows' errors by id. */
    private static Map<Long, String> assertSameAsAlone(Dataset<Row> out, List<Row> input, int maxNewTokens,
            Float temperature, Integer topK, long seed, GenerateJob job) {
        List<Row> got = out.collectAsList();
        assertThat(got).hasSize(input.size());
        List<Row> valid = input.stream().filter(r -> r.getLong(0) < ROWS).toList();
        Map<Long, String> want = alone(valid, maxNewTokens, temperature, topK, seed);
        int checked = 0;
        Map<Long, String> errors = new HashMap<>();
        for (Row r : got) {
            long id = r.getLong(0);
            if (r.getAs("error") != null) {
                errors.put(id, r.getAs("error"));
                assertThat(r.<String>getAs("completion")).isNull();
            }
            if (id < ROWS) {
                assertThat(r.<String>getAs("error")).as("row %d", id).isNull();
                assertThat(r.<String>getAs("completion")).as("row %d: %s", id, r.getString(1)).isEqualTo(want.get(id));
                assertThat(r.<Integer>getAs("completion_tokens")).isBetween(1, maxNewTokens);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(ROWS);
        JobCounters.Summary summary = job.summary();
        assertThat(summary.rows()).isEqualTo(ROWS + 3);
        assertThat(summary.errors()).isEqualTo(3);
        assertThat(summary.outputTokens()).isEqualTo(got.stream().filter(r -> r.getAs("error") == null)
                .mapToLong(r -> r.<Integer>getAs("completion_tokens")).sum());
        return errors;
    }

    @Test
    void greedyRowsAreWhatGenerateGivesEachPromptAlone() {
        Dataset<Row> input = prompts(ROWS).cache();
        GenerateJob job = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.of(model.toString()))
                .withMaxNewTokens(4).withGreedy(true));
        Map<Long, String> errors = assertSameAsAlone(job.apply(input), input.collectAsList(), 4, 0f, null, 42, job);
        assertThat(errors).containsOnlyKeys((long) ROWS, ROWS + 1L, ROWS + 2L)
                .containsEntry((long) ROWS, "no prompt (null)").containsEntry(ROWS + 1L, "the prompt is empty")
                .containsEntry(ROWS + 2L, "the prompt (131 tokens) and max_new_tokens (4) exceed the model's"
                        + " context of 128 tokens");
    }

    @Test
    void seededRowsAreWhatGenerateGivesEachPromptWithThatSeed() {
        Dataset<Row> input = prompts(ROWS).cache();
        GenerateJob job = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.of(model.toString()))
                .withMaxNewTokens(4).withSampling(0.9f, 20, null, 1234));
        assertSameAsAlone(job.apply(input), input.collectAsList(), 4, 0.9f, 20, 1234, job);
    }

    @Test
    void theCommandGivesTheSameTextAsTheJob() {
        Dataset<Row> input = prompts(ROWS).limit(3).coalesce(1);
        GenerateJob job = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.of(model.toString()))
                .withMaxNewTokens(8).withSampling(0.8f, 40, null, 5));
        for (Row r : job.apply(input).collectAsList()) {
            LocalSpark.Cli cli = LocalSpark.jgpt("generate", "--model", model.toString(), "--prompt", r.getString(1),
                    "--max-new-tokens", "8", "--temperature", "0.8", "--top-k", "40", "--seed", "5", "--print-ids");
            assertThat(cli.code()).as(cli.err()).isZero();
            try (Tokenizer t = Tokenizers.forModel(model)) {
                long[] ids = Arrays.stream(cli.lastLine().split(",")).mapToLong(Long::parseLong).toArray();
                assertThat(r.<String>getAs("completion")).isEqualTo(t.decode(ids));
            }
        }
    }

    @Test
    void badSettingsAndColumnsAreOneClearError() {
        GenerateJob.Settings s = GenerateJob.Settings.of(ModelLocation.of(model.toString()));
        assertThatThrownBy(() -> s.withSampling(-1f, null, null, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new GenerateJob(spark, s.withPromptColumn("text")).apply(prompts(2)))
                .hasMessage("The input has no column 'text' (it has id, prompt)");
        assertThatThrownBy(() -> new GenerateJob(spark, s.withPromptColumn("id")).apply(prompts(2)))
                .hasMessage("Column 'id' must be a string, it is bigint");
    }
}
