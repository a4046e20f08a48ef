package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.DataSource;
import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.training.TrainingCheckpoint;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainCommandTest {

    @TempDir Path tmp;

    private static String verdict() {
        return TestData.dataset("the-verdict.txt").toString();
    }

    private static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--data", verdict(), "--model-size", "tiny",
                "--context-length", "64", "--epochs", "6", "--eval-every", "50", "--eval-batches", "2",
                "--checkpoint-every", "10", "--sample-tokens", "5", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void aKilledJvmResumesToTheSameStepCount() throws Exception {
        Path out = tmp.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dai.djl.default_engine=PyTorch",
                JgptCli.class.getName()));
        cmd.addAll(args(out));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long killedAt = -1;
        while (System.nanoTime() < deadline && p.isAlive()) {
            var found = TrainingCheckpoint.find(out);
            if (found.isPresent() && TrainingCheckpoint.readState(found.get()).step() >= 20) {
                killedAt = TrainingCheckpoint.readState(found.get()).step();
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                break;
            }
            Thread.sleep(20);
        }
        assertThat(killedAt).as(Files.readString(tmp.resolve("child.log"))).isPositive();
        assertThat(killedAt).isLessThan(216);

        JgptCliTest.Result resumed = JgptCliTest.run(args(out, "--resume").toArray(new String[0]));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming from").contains("done: 216 steps");
        Path checkpoint = TrainingCheckpoint.find(out).orElseThrow();
        assertThat(TrainingCheckpoint.readState(checkpoint).step()).isEqualTo(216);
        assertThat(out.resolve("loss.png")).isNotEmptyFile();
        assertThat(out.resolve(".checkpoint-tmp")).doesNotExist();

        JgptCliTest.Result gen = JgptCliTest.run("generate", "--model", checkpoint.toString(),
                "--prompt", "Every effort", "--max-new-tokens", "3", "--print-ids");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(gen.lastLine().split(",")).hasSizeBetween(1, 3);
    }

    @Test
    void withoutDataItTrainsOnTheBundledVerdict() throws Exception {
        Path cache = tmp.resolve("cache");
        String before = System.getProperty(DataResolver.CACHE_DIR_PROPERTY);
        System.setProperty(DataResolver.CACHE_DIR_PROPERTY, cache.toString());
        try {
            List<String> common = List.of("pretrain", "--model-size", "tiny", "--context-length", "64",
                    "--epochs", "1", "--eval-every", "50", "--eval-batches", "1", "--sample-tokens", "0");
            List<String> bundled = new ArrayList<>(common);
            bundled.addAll(List.of("--out", tmp.resolve("bundled").toString()));
            JgptCliTest.Result run = JgptCliTest.run(bundled.toArray(new String[0]));
            assertThat(run.code()).as(run.err()).isZero();
            byte[] installed = Files.readAllBytes(cache.resolve("the-verdict.txt"));
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(installed)))
                    .as("the bundled copy, installed into the cache").isEqualTo(DataSource.THE_VERDICT.sha256());
            List<String> explicit = new ArrayList<>(common);
            explicit.addAll(List.of("--data", verdict(), "--out", tmp.resolve("explicit").toString()));
            JgptCliTest.Result same = JgptCliTest.run(explicit.toArray(new String[0]));
            assertThat(same.code()).as(same.err()).isZero();
            assertThat(tokenLine(run.out())).contains("training and").isEqualTo(tokenLine(same.out()));
        } finally {
            if (before == null) {
                System.clearProperty(DataResolver.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(DataResolver.CACHE_DIR_PROPERTY, before);
            }
        }
    }

    /** The line that counts the training and validation tokens. */
    private static String tokenLine(String out) {
        return out.lines().filter(l -> l.contains("validation tokens")).findFirst().orElse("(none)");
    }

    @Test
    void aShardFolderTrainsOnItsTokensAndAnotherVocabularyIsOneClearError() throws Exception {
        // the-verdict's two halves as two documents, in two shards, as the Spark tokenize job writes them
        String text = Files.readString(TestData.dataset("the-verdict.txt"));
        Path shards = tmp.resolve("shards");
        long tokens;
        try (Gpt2Tokenizer tokenizer = Gpt2Tokenizer.builtIn()) {
            List<TokenShards.Shard> written = new ArrayList<>();
            String[] halves = {text.substring(0, text.length() / 2), text.substring(text.length() / 2)};
            for (int k = 0; k < 2; k++) {
                try (TokenShards.ShardWriter w = TokenShards.writer(shards, "part-0000" + k + ".u32", 50256)) {
                    w.add(tokenizer.encode(halves[k]));
                    written.add(w.finish());
                }
            }
            TokenShards.Index index = new TokenShards.Index("gpt2", tokenizer.vocabSize(), 50256, written);
            TokenShards.writeIndex(shards, index);
            tokens = index.tokens() + 1; // the separator the reader puts between the shards
        }
        long train = (long) (0.8 * tokens);
        List<String> common = List.of("pretrain", "--data", shards.toString(), "--model-size", "tiny",
                "--context-length", "64", "--epochs", "1", "--eval-every", "50", "--eval-batches", "1",
                "--sample-tokens", "0", "--train-ratio", "0.8");
        List<String> run = new ArrayList<>(common);
        run.addAll(List.of("--out", tmp.resolve("run").toString()));
        JgptCliTest.Result r = JgptCliTest.run(run.toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(tokenLine(r.out())).contains(String.format(Locale.ROOT, "; %,d training and %,d validation tokens;",
                train, tokens - train));
        assertThat(r.out()).contains("done: ");
        assertThat(TrainingCheckpoint.find(tmp.resolve("run"))).isPresent();
        assertThat(tmp.resolve("run").resolve(".tokens")).doesNotExist();

        // ids of another tokenizer's vocabulary: one error naming the folder, nothing trained
        Path index = shards.resolve(TokenShards.INDEX);
        Files.writeString(index, Files.readString(index).replace("\"vocab_size\": 50257", "\"vocab_size\": 151669"));
        List<String> other = new ArrayList<>(common);
        other.addAll(List.of("--out", tmp.resolve("other").toString()));
        JgptCliTest.Result mismatch = JgptCliTest.run(other.toArray(new String[0]));
        assertThat(mismatch.code()).isEqualTo(1);
        assertThat(mismatch.err().strip()).startsWith("error: " + shards + " holds ids of a 151669-token vocabulary"
                + " (tokenizer gpt2), not the 50257 of this run's tokenizer").doesNotContain("\n");
        assertThat(tmp.resolve("other").resolve("checkpoint")).doesNotExist();
    }

    @Test
    void badArgumentsAndDataAreClearErrors() {
        JgptCliTest.Result lr = JgptCliTest.run(args(tmp.resolve("a"), "--lr", "-1").toArray(new String[0]));
        assertThat(lr.code()).isEqualTo(2);
        assertThat(lr.err()).contains("learningRate must be > 0");
        JgptCliTest.Result missing = JgptCliTest.run("pretrain", "--data", tmp.resolve("none.txt").toString(),
                "--out", tmp.resolve("b").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("none.txt is neither a file, a folder nor a known data set (the-verdict");
        List<String> longContext = args(tmp.resolve("c"));
        longContext.set(longContext.indexOf("--context-length") + 1, "100000");
        JgptCliTest.Result tooLong = JgptCliTest.run(longContext.toArray(new String[0]));
        assertThat(tooLong.code()).isEqualTo(1);
        assertThat(tooLong.err()).contains("too short for one window");
        assertThat(new File(tmp.resolve("c").toString(), "checkpoint")).doesNotExist();
    }
}
