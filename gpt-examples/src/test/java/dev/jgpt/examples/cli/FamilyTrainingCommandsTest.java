package dev.jgpt.examples.cli;

import static dev.jgpt.examples.cli.JgptCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.FakeHub;
import dev.jgpt.model.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training commands on Qwen3 and Llama: fresh presets, their tokenizers, LoRA in the chat format. */
class FamilyTrainingCommandsTest {

    @TempDir Path tmp;

    private final HubProperties hubProperties = new HubProperties();

    @AfterEach
    void clear() {
        hubProperties.restore();
    }

    private Path smallInstructionData() throws Exception {
        return FinetuneCommandsTest.smallInstructionData(tmp);
    }

    @Test
    void aFreshQwen3PresetPretrainsWithTheTokenizerFilesOfItsHubRepositoryAlone() throws Exception {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp.resolve("src"));
        Path out = tmp.resolve("run");
        try (FakeHub hub = new FakeHub(Map.of("Qwen/Qwen3-0.6B", qwen))) {
            hubProperties.useHub(hub.endpoint(), tmp.resolve("hub"));
            JgptCliTest.Result r = run("pretrain", "--model-size", "qwen3-tiny", "--context-length", "64",
                    "--epochs", "1", "--sample-tokens", "3", "--out", out.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("qwen3[vocab=151936, context=64, hidden=64").contains("9,921,216 parameters")
                    .contains("sample at step");
            assertThat(hub.requests()).anyMatch(q -> q.contains("tokenizer.json"))
                    .noneMatch(q -> q.contains("model.safetensors"));
        }
        Path snapshot = Files.list(tmp.resolve("hub/models--Qwen--Qwen3-0.6B/snapshots")).findFirst().orElseThrow();
        assertThat(snapshot.resolve("tokenizer.json")).exists();
        assertThat(snapshot.resolve("model.safetensors")).doesNotExist();
        assertThat(out.resolve("checkpoint/tokenizer.json")).exists();
        JgptCliTest.Result g = run("generate", "--model", out.resolve("checkpoint").toString(), "--prompt", "Every effort",
                "--max-new-tokens", "3", "--greedy");
        assertThat(g.code()).as(g.err()).isZero();
    }

    @Test
    void pretrainingContinuesALlamaFolderWithItsOwnTokenizer() {
        Path llama = TestData.modelFolder("llama32-tiny", tmp.resolve("src"));
        Path out = tmp.resolve("continued");
        JgptCliTest.Result r = run("pretrain", "--init", llama.toString(), "--context-length", "32", "--epochs", "1",
                "--eval-every", "2", "--sample-tokens", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("llama[vocab=128256").contains("val ppl");
        assertThat(out.resolve("checkpoint/tokenizer.json")).exists();
        assertThat(out.resolve("metrics.csv")).isNotEmptyFile();
        assertThat(out.resolve("loss.png")).isNotEmptyFile();
    }

    @Test
    void aFreshPresetNeedsATokenizerThatFitsItsVocabulary() {
        JgptCliTest.Result r = run("pretrain", "--model-size", "llama3.2-tiny", "--tokenizer", "/no/such/folder/x",
                "--out", tmp.resolve("a").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("/no/such/folder/x").doesNotContain("\tat ");
        JgptCliTest.Result gpt2 = run("pretrain", "--model-size", "tiny", "--tokenizer",
                TestData.modelFolder("qwen3-tiny", tmp).toString(), "--epochs", "1", "--out", tmp.resolve("b").toString());
        assertThat(gpt2.code()).isNotZero();
        assertThat(gpt2.err()).contains("151669 ids, more than the 50257 of --model-size tiny");
        JgptCliTest.Result both = run("pretrain", "--init", TestData.modelFolder("llama32-tiny", tmp).toString(),
                "--tokenizer", TestData.modelFolder("qwen3-tiny", tmp).toString(), "--out", tmp.resolve("c").toString());
        assertThat(both.code()).isNotZero();
        assertThat(both.err()).contains("--tokenizer is for a fresh model").doesNotContain("\tat ");
    }

    @Test
    void loraInTheChatFormatOnLlamaThenResponsesFromTheTunedFolder() throws Exception {
        Path llama = TestData.modelFolder("llama32-tiny", tmp.resolve("src"));
        Path out = tmp.resolve("tuned");
        JgptCliTest.Result r = run("finetune-instruct", "--data", smallInstructionData().toString(), "--model",
                llama.toString(), "--lora-rank", "4", "--lora-targets", "q_proj,v_proj", "--epochs", "1",
                "--batch-size", "4", "--lr", "1e-3", "--response-tokens", "6", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // 2 layers x (q_proj 4x16 + 16x4, v_proj 4x16 + 8x4)
        assertThat(r.out()).contains("in the chat template (loss on the assistant's tokens)")
                .contains("trainable parameters: 448 of ").contains("wrote 4 test responses");
        assertThat(out.resolve("adapters/adapter_config.json")).content().contains("\"q_proj\"").contains("\"v_proj\"")
                .doesNotContain("\"o_proj\"");
        assertThat(out.resolve("model/prompt_format.json")).doesNotExist();
        JgptCliTest.Result tunedPrompt = run("render-chat", "--model", out.resolve("model").toString(), "--messages",
                messages().toString());
        JgptCliTest.Result basePrompt = run("render-chat", "--model", llama.toString(), "--messages",
                messages().toString());
        assertThat(tunedPrompt.code()).as(tunedPrompt.err()).isZero();
        assertThat(tunedPrompt.out()).isEqualTo(basePrompt.out());
        Path responses = tmp.resolve("responses.json");
        JgptCliTest.Result g = run("generate-responses", "--data", smallInstructionData().toString(), "--model",
                out.resolve("model").toString(), "--max-new-tokens", "4", "--out", responses.toString());
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(Files.readString(responses)).doesNotContain("<|start_header_id|>");
        JgptCliTest.Result unknown = run("finetune-instruct", "--data", smallInstructionData().toString(), "--model",
                llama.toString(), "--lora-rank", "4", "--lora-targets", "c_attn", "--out", tmp.resolve("u").toString());
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("c_attn").contains("q_proj").doesNotContain("\tat ");
        JgptCliTest.Result alpaca = run("finetune-instruct", "--data", smallInstructionData().toString(), "--model",
                llama.toString(), "--format", "alpaca", "--system", "Be brief.", "--out", tmp.resolve("v").toString());
        assertThat(alpaca.code()).isEqualTo(2);
        assertThat(alpaca.err()).contains("--system and --template-arg need the chat format");
    }

    @Test
    void aQwen3ClassifierFineTunes() {
        Path qwen = TestData.modelFolder("qwen3-tiny", tmp.resolve("src"));
        Path out = tmp.resolve("spam");
        JgptCliTest.Result r = run("finetune-classifier", "--data",
                TestData.dataset("sms-spam-collection/SMSSpamCollection.tsv").toString(), "--model", qwen.toString(),
                "--max-length", "48", "--trainable", "all", "--epochs", "1", "--eval-every", "1000", "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("accuracy: train ");
        JgptCliTest.Result c = run("classify", "--model", out.resolve("classifier").toString(), "See you at lunch?");
        assertThat(c.code()).as(c.err()).isZero();
    }

    private Path messages() throws Exception {
        return Files.writeString(tmp.resolve("messages.json"), "[{\"role\": \"user\", \"content\": \"Name a colour.\"}]");
    }
}
