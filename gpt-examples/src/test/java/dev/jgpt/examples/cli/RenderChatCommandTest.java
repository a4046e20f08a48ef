package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code jgpt render-chat}: the fixtures' conversations give their reference texts and ids. */
class RenderChatCommandTest {

    @TempDir Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = JgptCli.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @ParameterizedTest
    @CsvSource({"qwen3-tiny, qwen3-vectors.json", "llama32-tiny, llama3-vectors.json"})
    void printsTheReferenceTextAndIds(String fixture, String vectors) throws IOException {
        Path dir = TestData.modelFolder(fixture, tmp);
        JsonObject v = JsonParser.parseString(Files.readString(TestData.fixture("tokenizer/" + vectors),
                StandardCharsets.UTF_8)).getAsJsonObject();
        int n = 0;
        for (JsonElement e : v.getAsJsonArray("chat")) {
            JsonObject chat = e.getAsJsonObject();
            Path messages = tmp.resolve("messages-" + n + ".json");
            Files.writeString(messages, chat.get("messages").toString());
            List<String> args = new ArrayList<>(List.of("render-chat", "--model", dir.toString(), "--messages",
                    messages.toString()));
            if (chat.has("enable_thinking")) {
                args.addAll(List.of("--template-arg", "enable_thinking=" + chat.get("enable_thinking")));
            }
            if (!chat.get("add_generation_prompt").getAsBoolean()) {
                args.add("--no-generation-prompt");
            }
            Result text = run(args.toArray(String[]::new));
            assertThat(text.code()).as(text.err()).isZero();
            assertThat(text.out()).isEqualTo(chat.get("text").getAsString());
            args.add("--print-ids");
            Result ids = run(args.toArray(String[]::new));
            assertThat(ids.code()).as(ids.err()).isZero();
            String want = StreamSupport.stream(chat.getAsJsonArray("ids").spliterator(), false)
                    .map(JsonElement::getAsString).collect(Collectors.joining(","));
            assertThat(ids.out()).isEqualTo(chat.get("text").getAsString() + "\n" + want + "\n");
            n++;
        }
        assertThat(n).isEqualTo(3);
    }

    @Test
    void enableThinkingFalseAddsTheEmptyThinkBlock() throws IOException {
        Path messages = tmp.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        String dir = TestData.fixture("qwen3-tiny").toString();
        assertThat(run("render-chat", "--model", dir, "--messages", messages.toString(), "--template-arg",
                "enable_thinking=false").out()).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        // "no" is not JSON: a non-empty string, so not `false`
        assertThat(run("render-chat", "--model", dir, "--messages", messages.toString(), "--template-arg",
                "enable_thinking=no").out()).endsWith("<|im_start|>assistant\n");
        assertThat(run("render-chat", "--model", dir, "--messages", messages.toString(), "--no-generation-prompt")
                .out()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void aFolderWithoutTemplateUsesItsPromptFormat() throws IOException {
        Path messages = tmp.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"user\", \"content\": \"Name a colour.\"}]");
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Result r = run("render-chat", "--model", dir.toString(), "--messages", messages.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(dev.jgpt.model.tokenizer.PromptFormat.ALPACA.render(
                List.of(dev.jgpt.model.tokenizer.ChatMessage.user("Name a colour."))));
    }

    @Test
    void badInputIsOneClearLine() throws IOException {
        String dir = TestData.fixture("qwen3-tiny").toString();
        Result missing = run("render-chat", "--model", dir, "--messages", tmp.resolve("none.json").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("error: Messages file not found: ").doesNotContain("\tat ");
        assertThat(missing.err().strip().lines()).hasSize(1);

        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "[\n{\"role\": \"user\",, }]");
        Result malformed = run("render-chat", "--model", dir, "--messages", bad.toString());
        assertThat(malformed.code()).isEqualTo(1);
        assertThat(malformed.err()).contains("is not valid JSON").contains("line 2");

        Files.writeString(bad, "[{\"role\": \"user\"}]");
        assertThat(run("render-chat", "--model", dir, "--messages", bad.toString()).err())
                .contains("message 0 has no 'content' string");

        Path template = Files.createDirectories(tmp.resolve("raising"));
        Files.writeString(template.resolve("chat_template.jinja"),
                "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}");
        Files.writeString(bad, "[{\"role\": \"user\", \"content\": \"x\"}]");
        Result raised = run("render-chat", "--model", template.toString(), "--messages", bad.toString());
        assertThat(raised.code()).isEqualTo(1);
        assertThat(raised.err().strip())
                .isEqualTo("error: Conversation roles must alternate user/assistant/user/assistant/...");

        Result notFolder = run("render-chat", "--model", tmp.resolve("nope").toString(), "--messages", bad.toString());
        assertThat(notFolder.code()).isEqualTo(1);
        assertThat(notFolder.err()).contains("is not a model folder");
    }
}
