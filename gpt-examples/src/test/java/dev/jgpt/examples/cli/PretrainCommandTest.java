package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.DataSource;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.training.TrainingCheckpoint;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
