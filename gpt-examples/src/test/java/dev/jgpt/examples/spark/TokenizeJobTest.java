package dev.jgpt.examples.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import dev.jgpt.datasets.TokenIds;
import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import dev.jgpt.training.Evaluation;
import dev.jgpt.training.PretrainConfig;
import dev.jgpt.training.Pretrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

/** {@link TokenizeJob} in {@code local[2]}: the shards hold {@code jgpt tokenize}'s ids, and pretraining reads them. */
class TokenizeJobTest {

    private static final long EOT = 50256;

    @TempDir static Path tmp;
    static SparkSession spark;
    static String verdict;

    @BeforeAll
    static void setUp() throws Exception {
        spark = LocalSpark.session();
        verdict = Files.readString(TestData.dataset("the-verdict.txt"));
    }

    @AfterAll
    static void closeModels() {
        ExecutorModels.closeAll();
    }

    private static long[] stream(Path shards) {
        try (TokenIds ids = TokenShards.open(shards)) {
            return ids.toArray();
        }
    }

    /** The documents' ids joined by the separator. */
    private static long[] joined(List<long[]> docs, long separator) {
        List<Long> out = new ArrayList<>();
        for (long[] d : docs) {
            if (d.length == 0) {
                continue;
            }
            if (!out.isEmpty()) {
                out.add(separator);
            }
            Arrays.stream(d).forEach(out::add);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void aTextColumnBecomesOneShardPerPartitionJoinedByEndOfText() throws Exception {
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int from = random.nextInt(verdict.length() - 400);
            rows.add(RowFactory.create((long) i, i == 17 ? null : verdict.substring(from, from + 1 + random.nextInt(300))));
        }
        rows.add(RowFactory.create(300L, "")); // adds nothing, not an error
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(5).cache();
        List<Row> order = input.collectAsList(); // partition by partition, as the shards are listed
        Path out = tmp.resolve("column");
        TokenizeJob.Result r = new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenize(input, "text", out);

        List<long[]> docs = new ArrayList<>();
        try (Tokenizer t = Tokenizers.forModel(null)) {
            for (Row row : order) {
                if (!row.isNullAt(1)) {
                    docs.add(t.encode(row.getString(1)));
                }
            }
        }
        assertThat(stream(out)).containsExactly(joined(docs, EOT));
        assertThat(r.index().shards()).hasSize(5).extracting(TokenShards.Shard::file)
                .containsExactly("part-00000.u32", "part-00001.u32", "part-00002.u32", "part-00003.u32", "part-00004.u32");
        assertThat(r.index().documents()).isEqualTo(299);
        assertThat(r.index().separatorId()).isEqualTo(EOT);
        assertThat(TokenShards.readIndex(out)).isEqualTo(r.index());
        assertThat(r.summary().rows()).isEqualTo(301);
        assertThat(r.summary().errors()).isEqualTo(1);
        assertThat(r.errors()).singleElement().asString().endsWith(": no text (null)");
        assertThat(r.summary().inputTokens()).isEqualTo(docs.stream().mapToLong(d -> d.length).sum());
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
        assertThatThrownBy(() -> new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenize(input, "text", out))
                .hasMessage("The shard folder " + out + " is not empty: give a new one");
        assertThatThrownBy(() -> new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenize(input, "id",
                tmp.resolve("x"))).hasMessage("Column 'id' must be a string, it is bigint");
    }

    @Test
    void aFolderOfFilesIsTokenizedAsJgptTokenizeDoesEachFileAndABadFileIsCounted() throws Exception {
        Path folder = tmp.resolve("corpus");
        Files.createDirectories(folder);
        int[] cuts = {0, 1200, 5000, 9100, 14000, verdict.length()};
        for (int i = 0; i + 1 < cuts.length; i++) {
            Files.writeString(folder.resolve("doc-" + i + ".txt"), verdict.substring(cuts[i], cuts[i + 1]));
        }
        Files.write(folder.resolve("doc-2b.txt"), new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28}); // not UTF-8
        Files.writeString(folder.resolve("notes.md"), "not a .txt file: left out");
        Path out = tmp.resolve("files");
        TokenizeJob.Result r = new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenizeFiles(folder, 3, out);

        List<long[]> docs = new ArrayList<>();
        for (String name : List.of("doc-0", "doc-1", "doc-2", "doc-3", "doc-4")) {
            LocalSpark.Cli cli = LocalSpark.jgpt("tokenize", "--file", folder.resolve(name + ".txt").toString());
            assertThat(cli.code()).as(cli.err()).isZero();
            docs.add(Arrays.stream(cli.lastLine().split(",")).mapToLong(Long::parseLong).toArray());
        }
        assertThat(stream(out)).containsExactly(joined(docs, EOT));
        assertThat(r.index().shards()).hasSize(3);
        assertThat(r.summary().errors()).isEqualTo(1);
        assertThat(r.errors()).singleElement().asString().contains("doc-2b.txt is not valid UTF-8");

        // one file: the shards are exactly its ids
        Path single = tmp.resolve("single");
        new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenizeFiles(TestData.dataset("the-verdict.txt"), 2, single);
        LocalSpark.Cli cli = LocalSpark.jgpt("tokenize", "--file", TestData.dataset("the-verdict.txt").toString());
        assertThat(stream(single)).containsExactly(Arrays.stream(cli.lastLine().split(","))
                .mapToLong(Long::parseLong).toArray());
    }

    @Test
    void pretrainingOnTheJobsShardsEqualsPretrainingOnThePlainTextsIds() throws Exception {
        Path text = tmp.resolve("part.txt"); // a short run: the first 3,000 characters
        Files.writeString(text, verdict.substring(0, 3000));
        Path shards = tmp.resolve("pretrain");
        new TokenizeJob(spark, TokenizeJob.Settings.gpt2()).tokenizeFiles(text, 1, shards);
        PretrainConfig cfg = PretrainConfig.builder().epochs(1).batchSize(2).contextLength(32).learningRate(2e-3f)
                .evaluation(3, 1).checkpointEvery(0).sample("x", 0).seed(7).build();
        try (Tokenizer tokenizer = Tokenizers.forModel(null)) {
            long[] ids = tokenizer.encode(Files.readString(text));
            int cut = (int) (0.9 * ids.length);
            Pretrainer.Result plain;
            float[] plainWeights;
            try (LanguageModel lm = fresh()) {
                plain = new Pretrainer(cfg, tokenizer, tmp.resolve("plain-run"), null).train(lm,
                        TokenIds.of(Arrays.copyOfRange(ids, 0, cut)), TokenIds.of(Arrays.copyOfRange(ids, cut, ids.length)),
                        null);
                plainWeights = lm.block().namedParameters().get("h.1.mlp.c_fc.weight").getArray().toFloatArray();
            }
            Pretrainer.Result sharded;
            float[] shardWeights;
            try (TokenIds all = TokenShards.open(shards); LanguageModel lm = fresh()) {
                assertThat(all.length()).isEqualTo(ids.length);
                long at = (long) (0.9 * all.length());
                sharded = new Pretrainer(cfg, tokenizer, tmp.resolve("shard-run"), null).train(lm, all.slice(0, at),
                        all.slice(at, all.length()), null);
                shardWeights = lm.block().namedParameters().get("h.1.mlp.c_fc.weight").getArray().toFloatArray();
            }
            assertThat(sharded.steps()).isEqualTo(plain.steps()).isGreaterThan(5);
            assertThat(sharded.evaluations()).hasSameSizeAs(plain.evaluations()).hasSizeGreaterThan(1);
            for (int i = 0; i < plain.evaluations().size(); i++) {
                Evaluation a = sharded.evaluations().get(i);
                Evaluation b = plain.evaluations().get(i);
                assertThat(a.trainLoss()).as("train loss %d", i).isEqualTo(b.trainLoss());
                assertThat(a.validationLoss()).as("validation loss %d", i).isEqualTo(b.validationLoss());
            }
            FloatArrays.assertBitEqual(shardWeights, plainWeights);
        }
    }

    private static LanguageModel fresh() {
        return LanguageModel.create(GptConfig.tiny().withDropRate(0.1f), Engine.getInstance().defaultDevice(), 5);
    }
}
