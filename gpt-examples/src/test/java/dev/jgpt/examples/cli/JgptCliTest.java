package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.SharedData;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JgptCliTest {

    @TempDir Path tmp;

    record Result(int code, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\\R");
            return lines[lines.length - 1];
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JgptCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void infoPrintsTheBooksCountsForThe124MPreset() {
        Result r = run("info", "--model", "124M");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("parameters:      163,009,536");
        assertThat(r.out()).contains("tied head:     124,412,160");
        assertThat(r.out()).contains("fp32 size:       621.83 MB");
    }

    @Test
    void infoReadsAHuggingFaceFolder() {
        Result r = run("info", "--model", SharedData.fixture("tiny-gpt2").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("embedding size:  64").contains("layers:          2")
                .contains("output head:     tied to wte");
    }

    @Test
    void generatePrintsTheReferenceGreedyIdsOnTheLastLine() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        String prompt = Arrays.stream(fx.greedyPrompt).mapToObj(Long::toString)
                .collect(Collectors.joining(","));
        Result r = run("generate", "--model", fx.dir.toString(), "--prompt-ids", prompt,
                "--max-new-tokens", String.valueOf(fx.greedyContinuation.length), "--greedy",
                "--print-ids");
        assertThat(r.code()).as(r.err()).isZero();
        String want = Arrays.stream(fx.greedyContinuation).mapToObj(Long::toString)
                .collect(Collectors.joining(","));
        assertThat(r.lastLine()).isEqualTo(want);
    }

    @Test
    void errorsAreOneLineOnStderrWithANonZeroExit() throws Exception {
        Result missing = run("generate", "--model", tmp.resolve("nope").toString(),
                "--prompt-ids", "1,2", "--print-ids");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("error: ").contains("nope").doesNotContain("\tat ");
        assertThat(missing.out()).isEmpty();

        Result badPreset = run("info", "--model", "42M");
        assertThat(badPreset.code()).isEqualTo(1);
        assertThat(badPreset.err()).contains("neither a model folder nor a preset");

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(SharedData.fixture("tiny-gpt2").resolve("config.json"), broken.resolve("config.json"));
        Files.write(broken.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Result corrupt = run("generate", "--model", broken.toString(), "--prompt-ids", "1");
        assertThat(corrupt.code()).isEqualTo(1);
        assertThat(corrupt.err()).contains("truncated");

        Result outOfVocab = run("generate", "--model", SharedData.fixture("tiny-gpt2").toString(),
                "--prompt-ids", "1,99999");
        assertThat(outOfVocab.code()).isEqualTo(1);
        assertThat(outOfVocab.err()).contains("Token id 99999 is outside the vocabulary");

        Result badArgs = run("generate", "--model", "x", "--prompt-ids", "a,b");
        assertThat(badArgs.code()).isEqualTo(2);
        assertThat(badArgs.err()).contains("--prompt-ids");
    }
}
