package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
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
    void anUnknownEngineOrDeviceIsOneClearError() {
        String old = System.getProperty("ai.djl.default_engine");
        try {
            System.setProperty("ai.djl.default_engine", "NoSuchEngine");
            Result r = run("info", "--model", "tiny");
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().strip()).startsWith("error: Unknown engine 'NoSuchEngine'")
                    .contains("engines on the classpath: ").contains("PyTorch");
        } finally {
            if (old == null) {
                System.clearProperty("ai.djl.default_engine");
            } else {
                System.setProperty("ai.djl.default_engine", old);
            }
        }
        Result gpu = run("generate", "--model", TestData.fixture("tiny-gpt2").toString(), "--prompt-ids", "1",
                "--device", "gpu:7");
        assertThat(gpu.code()).isEqualTo(1);
        assertThat(gpu.err()).contains("error: Device gpu:7 asked for, but the "
                + ai.djl.engine.Engine.getInstance().getEngineName() + " engine sees");
    }

    @Test
    void fp16GivesTheReferenceContinuationAndBf16IsRefused() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        String prompt = Arrays.stream(fx.greedyPrompt).mapToObj(Long::toString).collect(Collectors.joining(","));
        String want = Arrays.stream(fx.greedyContinuation).mapToObj(Long::toString).collect(Collectors.joining(","));
        String[] args = {"generate", "--model", fx.dir.toString(), "--prompt-ids", prompt, "--max-new-tokens",
            String.valueOf(fx.greedyContinuation.length), "--greedy", "--print-ids", "--dtype", "fp16"};
        Result r = run(args);
        if (ai.djl.engine.Engine.getInstance().getEngineName().equals("MXNet")) {
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("cannot run this model in float16");
        } else {
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.lastLine()).isEqualTo(want);
        }
        args[args.length - 1] = "bf16";
        Result bf16 = run(args);
        assertThat(bf16.code()).isEqualTo(1);
        assertThat(bf16.err().strip()).startsWith("error: BF16 is not supported");
    }

    @Test
    void infoPrintsTheBooksCountsForThe124MPreset() {
        Result r = run("info", "--model", "124M");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("parameters:      163,009,536");
        assertThat(r.out()).contains("tied head:     124,412,160");
        assertThat(r.out()).contains("fp32 size:       621.83 MB");
    }

    /** Qwen3 and Llama folders generate through the same command: the reference's greedy ids. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "qwen3-tiny, '123785,4860,148905,95429,34786', '37572,11656,50500,50500,98326,113192,113192,93142,112621,81937,45649,92765,101602,101602,101602,101602,101602,101602,101602,101602'",
        "llama32-tiny, '63391,24224,43572,25589,6522', '730,58505,45972,62608,116663,15437,18052,18052,50507,18052,18052,18052,18052,18052,18052,18052,18052,103368,103368,87952'"})
    void generateOnAFamilyFolderGivesTheReferenceGreedyIds(String fixture, String prompt, String want,
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path dir = TestData.modelFolder(fixture, tmp); // with its tokenizer.json
        Result r = run("generate", "--model", dir.toString(), "--prompt-ids", prompt, "--max-new-tokens", "20",
                "--greedy", "--print-ids");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.lastLine()).isEqualTo(want);
    }

    /** export writes a sharded BF16 HuggingFace folder that generates the reference's ids again. */
    @Test
    void exportWritesAShardedFolderThatGeneratesTheSameIds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path dir = TestData.modelFolder("qwen3-tiny", tmp);
        java.nio.file.Path out = tmp.resolve("exported");
        Result r = run("export", "--model", dir.toString(), "--out", out.toString(), "--dtype", "bf16",
                "--max-shard-size", "2MB");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("qwen3").contains("BF16");
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        assertThat(out.resolve("model-00001-of-00002.safetensors")).exists();
        assertThat(out.resolve("tokenizer.json")).exists();
        Result g = run("generate", "--model", out.toString(), "--prompt-ids", "123785,4860,148905,95429,34786",
                "--max-new-tokens", "20", "--greedy", "--print-ids");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.lastLine()).isEqualTo("37572,11656,50500,50500,98326,113192,113192,93142,112621,81937,45649,"
                + "92765,101602,101602,101602,101602,101602,101602,101602,101602");
        Result random = run("export", "--model", "tiny", "--out", tmp.resolve("random").toString());
        assertThat(random.code()).as(random.err()).isZero();
        assertThat(random.out()).contains("random weights");
        assertThat(run("info", "--model", tmp.resolve("random").toString()).out()).contains("(gpt2)");
        Result bad = run("export", "--model", dir.toString(), "--out", out.toString(), "--max-shard-size", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--max-shard-size must be a positive size");
    }

    /** Without sampling options, generate samples as the folder's generation_config.json says. */
    @Test
    void samplingDefaultsComeFromTheFoldersGenerationConfig(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path dir = TestData.modelFolder("qwen3-tiny", tmp);
        String[] base = {"generate", "--model", dir.toString(), "--prompt-ids", "123785,4860,148905", "--max-new-tokens",
            "12", "--print-ids", "--eos-id", "-1", "--seed", "5"};
        Result defaults = run(base);
        assertThat(defaults.code()).as(defaults.err()).isZero();
        String[] explicit = java.util.stream.Stream.concat(Arrays.stream(base),
                java.util.stream.Stream.of("--temperature", "0.6", "--top-k", "20", "--top-p", "0.95")).toArray(String[]::new);
        assertThat(run(explicit).lastLine()).isEqualTo(defaults.lastLine());
        String[] greedy = java.util.stream.Stream.concat(Arrays.stream(base), java.util.stream.Stream.of("--greedy"))
                .toArray(String[]::new);
        assertThat(run(greedy).lastLine()).isNotEqualTo(defaults.lastLine());
        String[] other = java.util.stream.Stream.concat(Arrays.stream(base), java.util.stream.Stream.of("--top-k", "1"))
                .toArray(String[]::new);
        assertThat(run(other).lastLine()).isEqualTo(run(greedy).lastLine()); // top-k 1 is greedy, the rest kept
    }

    /** tokenize and detokenize with a model folder's own tokenizer (Qwen3's vectors). */
    @Test
    void tokenizeAndDetokenizeUseTheFoldersTokenizer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path dir = TestData.modelFolder("qwen3-tiny", tmp);
        com.google.gson.JsonObject vector = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(
                TestData.fixture("tokenizer").resolve("qwen3-vectors.json"))).getAsJsonObject()
                .getAsJsonArray("vectors").get(0).getAsJsonObject();
        String text = vector.get("text").getAsString();
        String ids = java.util.stream.StreamSupport.stream(vector.getAsJsonArray("ids").spliterator(), false)
                .map(com.google.gson.JsonElement::getAsString).collect(java.util.stream.Collectors.joining(","));
        Result encoded = run("tokenize", "--model", dir.toString(), text);
        assertThat(encoded.code()).as(encoded.err()).isZero();
        assertThat(encoded.lastLine()).isEqualTo(ids);
        Result decoded = run("detokenize", "--model", dir.toString(), ids);
        assertThat(decoded.code()).as(decoded.err()).isZero();
        assertThat(decoded.out().strip()).isEqualTo(vector.get("decoded").getAsString().strip());
        // an id in Qwen3's padded vocabulary, past the tokenizer's last token: no text, as HF's decode
        Result padded = run("detokenize", "--model", dir.toString(), ids + ",151900");
        assertThat(padded.code()).as(padded.err()).isZero();
        assertThat(padded.out().strip()).isEqualTo(vector.get("decoded").getAsString().strip());
        assertThat(padded.err()).contains("note: 1 id(s) past the tokenizer's 151,669 tokens");
        Result negative = run("detokenize", "--model", dir.toString(), "5,-3");
        assertThat(negative.code()).isEqualTo(1);
        assertThat(negative.err()).startsWith("error:").contains("outside the vocabulary").doesNotContain("\tat ");
    }

    /** Issue 16's counts, from the shapes alone: nothing is downloaded or allocated. */
    @Test
    void infoPrintsTheFamilyPresetsCounts() {
        Result qwen = run("info", "--model", "qwen3-0.6b");
        assertThat(qwen.code()).as(qwen.err()).isZero();
        assertThat(qwen.out()).contains("(qwen3)").contains("parameters:      596,049,920")
                .contains("head apart:    751,632,384").contains("16 (head size 128, 8 key/value heads)");
        Result llama = run("info", "--model", "llama3.2-1b");
        assertThat(llama.out()).contains("(llama)").contains("parameters:      1,235,814,400")
                .contains("head apart:    1,498,482,688");
        Result folder = run("info", "--model", TestData.fixture("qwen3-tiny").toString());
        assertThat(folder.code()).as(folder.err()).isZero();
        assertThat(folder.out()).contains("(qwen3)").contains("layers:          2");
    }

    @Test
    void infoReadsAHuggingFaceFolder() {
        Result r = run("info", "--model", TestData.fixture("tiny-gpt2").toString());
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
    void generateStreamsTextFromATextPrompt() {
        String model = TestData.fixture("tiny-gpt2").toString();
        Result greedy = run("generate", "--model", model, "--prompt", "Every effort moves you",
                "--max-new-tokens", "5", "--print-ids");
        assertThat(greedy.code()).as(greedy.err()).isZero();
        assertThat(greedy.out()).startsWith("Every effort moves you");
        assertThat(greedy.lastLine().split(",")).hasSize(5);
        Result cached = run("generate", "--model", model, "--prompt", "Every effort moves you",
                "--max-new-tokens", "5", "--print-ids", "--temperature", "1.2", "--top-k", "40",
                "--top-p", "0.9", "--seed", "9");
        Result uncached = run("generate", "--model", model, "--prompt", "Every effort moves you",
                "--max-new-tokens", "5", "--print-ids", "--temperature", "1.2", "--top-k", "40",
                "--top-p", "0.9", "--seed", "9", "--no-kv-cache");
        assertThat(cached.code()).isZero();
        assertThat(uncached.out()).isEqualTo(cached.out());
    }

    @Test
    void tokenizeAndDetokenize() throws Exception {
        Result ids = run("tokenize", "Hello, do you like tea? <|endoftext|> In the sunlit terraces");
        assertThat(ids.code()).isZero();
        assertThat(ids.lastLine()).isEqualTo("15496,11,466,345,588,8887,30,220,50256,554,262,4252,18250,8812,2114");
        Path file = Files.writeString(tmp.resolve("t.txt"), "Every effort moves you");
        assertThat(run("tokenize", "--file", file.toString()).lastLine()).isEqualTo("6109,3626,6100,345");
        Result text = run("detokenize", "6109,3626,6100,345");
        assertThat(text.code()).isZero();
        assertThat(text.out().strip()).isEqualTo("Every effort moves you");
        assertThat(run("detokenize", "99999").err()).contains("outside the vocabulary");
        assertThat(run("tokenize", "--file", tmp.resolve("missing.txt").toString()).err())
                .contains("File not found");
    }

    @Test
    void invalidSamplingSettingsAreUsageErrors() {
        String model = TestData.fixture("tiny-gpt2").toString();
        Result r = run("generate", "--model", model, "--prompt", "x", "--top-p", "1.5");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("topP must be in (0, 1], got 1.5");
        assertThat(run("generate", "--model", model, "--prompt", "x", "--temperature", "-1").err())
                .contains("temperature must be a number >= 0");
        assertThat(run("generate", "--model", model, "--prompt", "x", "--top-k", "-2").code()).isEqualTo(2);
        assertThat(run("generate", "--model", model, "--prompt", "x", "--greedy", "--temperature", "1").code())
                .isEqualTo(2);
        Result empty = run("generate", "--model", model, "--prompt", "");
        assertThat(empty.code()).isEqualTo(1);
        assertThat(empty.err()).contains("prompt is empty");
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
        Files.copy(TestData.fixture("tiny-gpt2").resolve("config.json"), broken.resolve("config.json"));
        Files.write(broken.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Result corrupt = run("generate", "--model", broken.toString(), "--prompt-ids", "1");
        assertThat(corrupt.code()).isEqualTo(1);
        assertThat(corrupt.err()).contains("truncated");

        Result outOfVocab = run("generate", "--model", TestData.fixture("tiny-gpt2").toString(),
                "--prompt-ids", "1,99999");
        assertThat(outOfVocab.code()).isEqualTo(1);
        assertThat(outOfVocab.err()).contains("Token id 99999 is outside the vocabulary");

        Result badArgs = run("generate", "--model", "x", "--prompt-ids", "a,b");
        assertThat(badArgs.code()).isEqualTo(2);
        assertThat(badArgs.err()).contains("--prompt-ids");
    }
}
