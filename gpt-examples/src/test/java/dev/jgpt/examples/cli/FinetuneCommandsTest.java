package dev.jgpt.examples.cli;

import static dev.jgpt.examples.cli.JgptCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.jgpt.model.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fine-tuning commands end to end on tiny models and small data. */
class FinetuneCommandsTest {

    @TempDir Path tmp;

    private static String spamTsv() {
        return TestData.dataset("sms-spam-collection/SMSSpamCollection.tsv").toString();
    }

    private Path smallInstructionData() throws Exception {
        return smallInstructionData(tmp);
    }

    /** 40 instruction entries (34 train, 2 validation, 4 test) written into {@code tmp}. */
    static Path smallInstructionData(Path tmp) throws Exception {
        JsonArray all = JsonParser.parseString(Files.readString(TestData.dataset("instruction-data.json")))
                .getAsJsonArray();
        JsonArray some = new JsonArray();
        for (int i = 0; i < 40; i++) {
            some.add(all.get(i));
        }
        Path file = tmp.resolve("instructions.json");
        Files.writeString(file, some.toString());
        return file;
    }

    @Test
    void finetuneClassifierThenClassify() {
        Path out = tmp.resolve("spam");
        JgptCliTest.Result r = run("finetune-classifier", "--data", spamTsv(), "--model-size", "tiny",
                "--trainable", "all", "--lr", "1e-3", "--epochs", "2", "--eval-every", "100", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trainable parameters: ").contains("accuracy: train ");
        double test = Double.parseDouble(r.out().replaceAll("(?s).*test ([0-9.]+)%.*", "$1"));
        assertThat(test).isGreaterThan(85.0);
        JgptCliTest.Result c = run("classify", "--model", out.resolve("classifier").toString(),
                "Congratulations! You have won a FREE prize. Call 09061701461 to claim now", "See you at lunch?");
        assertThat(c.code()).as(c.err()).isZero();
        String[] lines = c.out().strip().split("\\R");
        assertThat(lines[0]).startsWith("spam\t");
        assertThat(lines[1]).startsWith("not spam\t");
        // a second run into the same folder must not silently overwrite it
        JgptCliTest.Result again = run("finetune-classifier", "--data", spamTsv(), "--out", out.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a checkpoint").contains("--resume");
    }

    @Test
    void classifierCommandsRejectBadInput() {
        assertThat(run("classify", "--model", tmp.toString(), "hi").err()).contains("No classifier found");
        JgptCliTest.Result bad = run("finetune-classifier", "--data", spamTsv(), "--trainable", "first",
                "--out", tmp.resolve("x").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--trainable must be");
        JgptCliTest.Result lr = run("finetune-classifier", "--data", spamTsv(), "--lr", "-1",
                "--out", tmp.resolve("y").toString());
        assertThat(lr.code()).isEqualTo(2);
        assertThat(lr.err()).contains("learningRate must be > 0");
        JgptCliTest.Result rank = run("finetune-classifier", "--data", spamTsv(), "--lora-rank", "-4",
                "--out", tmp.resolve("z").toString());
        assertThat(rank.code()).isEqualTo(2);
        assertThat(rank.err()).contains("LoRA rank must be >= 1");
        JgptCliTest.Result badTsv = run("finetune-classifier", "--data", writeBadTsv().toString(),
                "--out", tmp.resolve("w").toString());
        assertThat(badTsv.code()).isEqualTo(1);
        assertThat(badTsv.err()).contains("line 2").contains("unknown label 'maybe'");
    }

    /** Data the commands cannot train on: one line saying what is wrong with it, exit 1 (issue 15). */
    @Test
    void dataThatCannotTrainIsOneClearMessage() throws Exception {
        Path onlyHam = Files.writeString(tmp.resolve("ham.tsv"), "ham\tSee you soon\nham\tOn my way\nham\tOk\n");
        JgptCliTest.Result ham = run("finetune-classifier", "--data", onlyHam.toString(), "--out", tmp.resolve("h").toString());
        assertThat(ham.code()).isEqualTo(1);
        assertThat(ham.err()).contains("3 ham and 0 spam messages").contains("needs messages of both labels")
                .doesNotContain("Exception").doesNotContain("\tat ");
        Path three = Files.writeString(tmp.resolve("three.tsv"), "ham\tSee you soon\nham\tOk\nspam\tWin a prize\n");
        JgptCliTest.Result few = run("finetune-classifier", "--data", three.toString(), "--out", tmp.resolve("t").toString());
        assertThat(few.code()).isEqualTo(1);
        assertThat(few.err()).contains("gives 2 messages once balanced").contains("too few");
        Path empty = Files.writeString(tmp.resolve("empty.tsv"), "ham\tSee you soon\nspam\t\n");
        JgptCliTest.Result blank = run("finetune-classifier", "--data", empty.toString(), "--out", tmp.resolve("e").toString());
        assertThat(blank.code()).isEqualTo(1);
        assertThat(blank.err()).contains("line 2").contains("message is empty");
        Path none = Files.writeString(tmp.resolve("none.json"), "[]");
        JgptCliTest.Result instruct = run("finetune-instruct", "--data", none.toString(), "--model",
                TestData.fixture("tiny-gpt2").toString(), "--out", tmp.resolve("i").toString());
        assertThat(instruct.code()).isEqualTo(1);
        assertThat(instruct.err()).contains("holds no entries").doesNotContain("Index 0 out of bounds");
        Path two = Files.writeString(tmp.resolve("two.json"),
                "[{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"output\": \"d\"}]");
        JgptCliTest.Result small = run("finetune-instruct", "--data", two.toString(), "--model",
                TestData.fixture("tiny-gpt2").toString(), "--out", tmp.resolve("j").toString());
        assertThat(small.code()).isEqualTo(1);
        assertThat(small.err()).contains("2 instruction entries are too few");
    }

    private Path writeBadTsv() {
        try {
            return Files.writeString(tmp.resolve("bad.tsv"), "ham\tSee you soon\nmaybe\tWin a prize\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void finetuneInstructWritesModelAdaptersAndResponsesThenEvaluates() throws Exception {
        Path data = smallInstructionData();
        Path out = tmp.resolve("instruct");
        JgptCliTest.Result r = run("finetune-instruct", "--data", data.toString(), "--model",
                TestData.fixture("tiny-gpt2").toString(), "--lora-rank", "4", "--epochs", "1", "--batch-size", "4",
                "--lr", "1e-3", "--response-tokens", "8", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("sample response after epoch 1").contains("merged them")
                .contains("wrote 4 test responses");
        assertThat(out.resolve("adapters/adapter_model.safetensors")).isNotEmptyFile();
        assertThat(out.resolve("model/config.json")).isNotEmptyFile();
        assertThat(out.resolve("model/adapter_config.json")).doesNotExist(); // merged
        assertThat(out.resolve("model/prompt_format.json")).content().contains("alpaca");
        Path responses = out.resolve("test-responses.json");
        JsonArray entries = JsonParser.parseString(Files.readString(responses)).getAsJsonArray();
        assertThat(entries).hasSize(4);
        assertThat(entries.get(0).getAsJsonObject().keySet())
                .containsExactly("instruction", "input", "output", "model_response");

        JgptCliTest.Result offline = run("evaluate-responses", "--responses", responses.toString());
        assertThat(offline.code()).as(offline.err()).isZero();
        assertThat(offline.out()).contains("4 responses; exact match");

        HttpServer judge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int[] calls = {0};
        judge.createContext("/api/chat", ex -> {
            ex.getRequestBody().readAllBytes();
            calls[0]++;
            String answer = calls[0] == 2 ? "I cannot score this" : String.valueOf(10 * calls[0]);
            byte[] body = ("{\"message\":{\"role\":\"assistant\",\"content\":\"" + answer + "\"},\"done\":true}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        judge.start();
        try {
            JgptCliTest.Result scored = run("evaluate-responses", "--responses", responses.toString(),
                    "--judge-url", "http://127.0.0.1:" + judge.getAddress().getPort(), "--judge-model", "llama3");
            assertThat(scored.code()).as(scored.err()).isZero();
            // scores 10, (none), 30, 40
            assertThat(scored.out()).contains("entry 1: the judge's answer holds no score")
                    .contains("number of scores 3 of 4, average score 26.67");
        } finally {
            judge.stop(0);
        }
        JgptCliTest.Result down = run("evaluate-responses", "--responses", responses.toString(),
                "--judge-url", "http://127.0.0.1:" + judge.getAddress().getPort());
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("Cannot reach the judge");
    }

    @Test
    void chatWrapsEachLineAndStreamsTheResponse() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Name a colour.\nTranslate || Bonjour\n/exit\n"
                    .getBytes(StandardCharsets.UTF_8)));
            JgptCliTest.Result r = run("chat", "--model", TestData.fixture("tiny-gpt2").toString(),
                    "--max-new-tokens", "5");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out().split("> ", -1)).hasSize(4); // three prompts: two lines, then /exit
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void chatKeepsTheConversationWhenTheModelHasAChatTemplate() {
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Name a colour.\nAnother one?\n/reset\nHi\n/exit\n"
                    .getBytes(StandardCharsets.UTF_8)));
            JgptCliTest.Result r = run("chat", "--model", TestData.modelFolder("qwen3-tiny", tmp).toString(),
                    "--max-new-tokens", "4", "--temperature", "0", "--system", "Be brief.",
                    "--template-arg", "enable_thinking=false");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("the conversation is kept").contains("(conversation cleared)");
            assertThat(r.out().split("> ", -1)).hasSize(6); // five prompts: three messages, /reset, /exit
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void evaluateResponsesNamesABadEntry() throws Exception {
        Path file = tmp.resolve("r.json");
        Files.writeString(file, "[{\"instruction\": \"i\", \"output\": \"o\"}]");
        JgptCliTest.Result r = run("evaluate-responses", "--responses", file.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("entry 0 has no 'model_response'");
    }
}
