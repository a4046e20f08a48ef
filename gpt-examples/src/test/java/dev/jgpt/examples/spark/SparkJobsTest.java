package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.testing.FakeHub;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spark-submit --class dev.jgpt.examples.spark.SparkJobs jgpt.jar ...}, run in the test's local session. */
class SparkJobsTest {

    @TempDir static Path tmp;
    static SparkSession spark;
    static Path gpt2;

    @BeforeAll
    static void setUp() {
        spark = LocalSpark.session();
        gpt2 = TestData.modelFolder("tiny-gpt2", tmp.resolve("gpt2"));
    }

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    record Run(int code, String out, String err) {}

    static Run sparkJobs(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkJobs.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static String alone(Path model, long[] prompt, int maxNewTokens) {
        try (LanguageModel lm = LanguageModel.load(model); Tokenizer t = Tokenizers.forModel(model)) {
            SamplingConfig c = GenerationConfig.read(model).sampling(maxNewTokens, 0f, null, null, 42).withEndIdsOf(t);
            return t.decode(new Generator(lm, true).generate(prompt, c, null));
        }
    }

    @Test
    void generateReadsJsonLinesShipsTheModelAndWritesParquetWithErrorRows() throws Exception {
        Path in = tmp.resolve("prompts.jsonl");
        Files.writeString(in, """
                {"id": 1, "prompt": "Every effort moves you"}
                {"id": 2, "prompt": "I had always thought Jack Gisburn"}
                {"id": 3, "prompt": ""}
                {"id": 4}
                """);
        Path out = tmp.resolve("completions.parquet");
        Run r = sparkJobs("generate", "--input", in.toString(), "--output", out.toString(), "--model", gpt2.toString(),
                "--ship-model", "--greedy", "--max-new-tokens", "5", "--partitions", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("generate: wrote " + out + ": 4 rows, 2 with an error;")
                .contains(" output tokens;");
        Map<Long, Row> rows = new java.util.HashMap<>();
        spark.read().parquet(out.toString()).collectAsList().forEach(row -> rows.put(row.getAs("id"), row));
        try (Tokenizer t = Tokenizers.forModel(gpt2)) {
            assertThat(rows.get(1L).<String>getAs("completion"))
                    .isEqualTo(alone(gpt2, t.encodeWithSpecialTokens("Every effort moves you"), 5));
        }
        assertThat(rows.get(2L).<Integer>getAs("completion_tokens")).isEqualTo(5);
        assertThat(rows.get(2L).<String>getAs("finish_reason")).isEqualTo("length");
        assertThat(rows.get(3L).<String>getAs("error")).isEqualTo("the prompt is empty");
        assertThat(rows.get(4L).<String>getAs("error")).isEqualTo("no prompt (null)");

        // a second job shipping the same folder reuses the first's archive (a cluster's file server takes a name once)
        assertThat(ModelLocation.ship(spark, gpt2)).isSameAs(ModelLocation.ship(spark, gpt2));

        Run again = sparkJobs("generate", "--input", in.toString(), "--output", out.toString(), "--model", gpt2.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: ").contains("already exists").doesNotContain("\tat ");
    }

    @Test
    void chatConversationsAreRenderedWithTheModelsTemplate() throws Exception {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp.resolve("qwen"));
        Path in = tmp.resolve("chats.jsonl");
        Files.writeString(in, """
                {"id": 1, "messages": [{"role": "user", "content": "Hello there"}]}
                {"id": 2, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}]}
                {"id": 3, "messages": []}
                """);
        Path out = tmp.resolve("chats.json");
        Run r = sparkJobs("generate", "--input", in.toString(), "--output", out.toString(), "--model", qwen.toString(),
                "--messages-column", "messages", "--greedy", "--max-new-tokens", "4");
        assertThat(r.code()).as(r.err()).isZero();
        Map<Long, Row> rows = new java.util.HashMap<>();
        spark.read().json(out.toString()).collectAsList().forEach(row -> rows.put(row.getAs("id"), row));
        try (Tokenizer t = Tokenizers.forModel(qwen)) {
            String prompt = ChatFormat.forModel(qwen).prompt(List.of(ChatMessage.user("Hello there")), Map.of());
            assertThat(rows.get(1L).<String>getAs("completion")).isEqualTo(alone(qwen, t.encode(prompt), 4));
        }
        assertThat(rows.get(2L).<String>getAs("error")).isNull();
        assertThat(rows.get(3L).<String>getAs("error")).isEqualTo("no messages");
    }

    @Test
    void aHubIdResolvesThroughTheCacheOnTheExecutor() throws Exception {
        Path in = tmp.resolve("hub.csv");
        Files.writeString(in, "id,prompt\n1,Every effort moves you\n");
        String endpoint = System.getProperty("HF_ENDPOINT");
        String offline = System.getProperty("ai.djl.offline");
        try (FakeHub hub = new FakeHub(Map.of("jgpt-test/tiny-gpt2", gpt2))) {
            System.setProperty("HF_ENDPOINT", hub.endpoint().toString());
            System.setProperty("HF_HUB_CACHE", tmp.resolve("hub-cache").toString());
            System.setProperty("ai.djl.offline", "false");
            Path out = tmp.resolve("hub-out.csv");
            Run r = sparkJobs("generate", "--input", in.toString(), "--output", out.toString(), "--model",
                    "jgpt-test/tiny-gpt2", "--greedy", "--max-new-tokens", "3");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("1 rows, 0 with an error");
            assertThat(tmp.resolve("hub-cache/models--jgpt-test--tiny-gpt2/snapshots")).isDirectory();
            Row row = spark.read().option("header", "true").csv(out.toString()).first();
            try (Tokenizer t = Tokenizers.forModel(gpt2)) {
                assertThat(row.<String>getAs("completion"))
                        .isEqualTo(alone(gpt2, t.encodeWithSpecialTokens("Every effort moves you"), 3));
            }
        } finally {
            System.clearProperty("HF_HUB_CACHE");
            if (endpoint == null) {
                System.clearProperty("HF_ENDPOINT");
            } else {
                System.setProperty("HF_ENDPOINT", endpoint);
            }
            System.setProperty("ai.djl.offline", offline == null ? "true" : offline);
        }
    }

    @Test
    void tokenizeWritesShardsAndBadInputIsOneClearLine() throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        Files.writeString(corpus.resolve("a.txt"), "Every effort moves you.");
        Files.writeString(corpus.resolve("b.txt"), "I had always thought Jack Gisburn rather a cheap genius.");
        Path shards = tmp.resolve("shards");
        Run r = sparkJobs("tokenize", "--input", corpus.toString(), "--output", shards.toString(), "--partitions", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("tokenize: wrote ").contains(" of 2 documents in 2 shards to " + shards);
        assertThat(TokenShards.isShardFolder(shards)).isTrue();

        Run badArg = sparkJobs("generate", "--input", "x.jsonl", "--output", "y.parquet", "--model", gpt2.toString(),
                "--temperature", "-1");
        assertThat(badArg.code()).isEqualTo(2);
        assertThat(badArg.err()).contains("temperature");
        Run noModel = sparkJobs("classify", "--input", corpus.resolve("a.txt").toString(), "--input-format", "text",
                "--text-column", "value", "--output", tmp.resolve("c.parquet").toString(), "--model",
                tmp.resolve("absent").toString());
        assertThat(noModel.code()).isEqualTo(1);
        assertThat(noModel.err().strip()).startsWith("error: a task failed: --model '" + tmp.resolve("absent")
                + "' is not a model folder").doesNotContain("\n");
        Run format = sparkJobs("classify", "--input", corpus.resolve("a.md").toString(), "--output", "o.parquet",
                "--model", gpt2.toString());
        assertThat(format.code()).isEqualTo(1);
        assertThat(format.err().strip()).isEqualTo("error: Cannot tell the format of '" + corpus.resolve("a.md")
                + "' from its name: give it (parquet, json, csv, text)");
    }

    @Test
    void theBenchmarkRunsAndPrintsBothWaysSideBySide() {
        Run r = sparkJobs("bench", "--model", gpt2.toString(), "--cores", "1", "--classify-rows", "8",
                "--generate-rows", "2", "--max-new-tokens", "2");
        assertThat(r.code()).as(r.err()).isZero();
        // in the tests' own local[2] session, which it leaves running
        assertThat(r.out()).contains("single JVM: classify ").contains("local[2] round 1 (with loading): classify ")
                .contains("local[2] round 2 (warm)").contains("model loads: classify 1 ").contains("peak RSS");
        assertThat(spark.sparkContext().isStopped()).isFalse();
    }
}
