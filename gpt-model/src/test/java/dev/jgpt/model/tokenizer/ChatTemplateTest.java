package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.jinja.TemplateException;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A model folder's chat template renders each fixture conversation to the text HF's jinja2 rendered. */
class ChatTemplateTest {

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void rendersEveryFixtureConversationExactly(String fixture) throws IOException {
        ChatTemplate template = ChatTemplate.read(TestData.fixture(fixture)).orElseThrow();
        JsonObject expected = JsonParser.parseString(Files.readString(TestData.fixture(fixture + "/expected.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
        int n = 0;
        for (JsonElement e : expected.getAsJsonArray("chat")) {
            JsonObject chat = e.getAsJsonObject();
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonElement m : chat.getAsJsonArray("messages")) {
                messages.add(new ChatMessage(m.getAsJsonObject().get("role").getAsString(),
                        m.getAsJsonObject().get("content").getAsString()));
            }
            Map<String, Object> args = chat.has("enable_thinking")
                    ? Map.of("enable_thinking", chat.get("enable_thinking").getAsBoolean()) : Map.of();
            String text = template.render(messages, chat.get("add_generation_prompt").getAsBoolean(), args);
            assertThat(text).as("conversation %d", n).isEqualTo(chat.get("text").getAsString());
            n++;
        }
        assertThat(n).isEqualTo(3);
    }

    @Test
    void theSpecialTokensComeFromTheConfig() throws IOException {
        assertThat(ChatTemplate.read(TestData.fixture("llama32-tiny")).orElseThrow().specialTokens())
                .containsEntry("bos_token", "<|begin_of_text|>").containsEntry("eos_token", "<|eot_id|>");
        assertThat(ChatTemplate.read(TestData.fixture("qwen3-tiny")).orElseThrow().specialTokens())
                .doesNotContainKey("bos_token").containsEntry("pad_token", "<|endoftext|>");
    }

    @Test
    void aFolderWithoutTemplateHasNone() throws IOException {
        assertThat(ChatTemplate.read(tmp)).isEmpty();
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertThat(ChatTemplate.read(tmp)).isEmpty();
    }

    @Test
    void chatTemplateJinjaWinsOverTheConfigAsInTransformers() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"config\", \"bos_token\": {\"content\": \"<s>\", \"lstrip\": false}}");
        Files.writeString(tmp.resolve("chat_template.jinja"), "{{ bos_token }}file\n");
        ChatTemplate t = ChatTemplate.read(tmp).orElseThrow();
        assertThat(t.render(List.of(), false, Map.of())).isEqualTo("<s>file");
    }

    @Test
    void aListOfNamedTemplatesGivesTheDefault() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"tool_use\","
                + " \"template\": \"tools\"}, {\"name\": \"default\", \"template\": \"{{ messages[0].content }}\"}]}");
        assertThat(ChatTemplate.read(tmp).orElseThrow().render(List.of(ChatMessage.user("hi")), true, Map.of()))
                .isEqualTo("hi");
    }

    @Test
    void malformedFieldsAreNamed() throws IOException {
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
        assertThatThrownBy(() -> ChatTemplate.read(tmp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer_config.json: chat_template must be a string");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"x\", \"template\":"
                + " \"t\"}]}");
        assertThatThrownBy(() -> ChatTemplate.read(tmp)).hasMessageContaining("no template named 'default'");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": \"x\", \"eos_token\": 5}");
        assertThatThrownBy(() -> ChatTemplate.read(tmp)).hasMessageContaining("eos_token must be a token string");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "[\"chat_template\"]");
        assertThatThrownBy(() -> ChatTemplate.read(tmp)).hasMessageContaining("is not a JSON object");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": \"a\\n{% if %}\"}");
        assertThatThrownBy(() -> ChatTemplate.read(tmp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat_template: Chat template line 2");
    }

    @Test
    void aTemplatesOwnErrorIsItsMessage() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% if m.role == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{% endfor %}", Map.of());
        assertThatThrownBy(() -> t.render(List.of(new ChatMessage("system", "x")), true, Map.of()))
                .isInstanceOf(TemplateException.class).hasMessage("System role not supported");
        assertThatThrownBy(() -> t.render(List.of(), true, Map.of("messages", List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
