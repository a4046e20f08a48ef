package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jgpt serve} on a Qwen3 and a Llama 3.2 folder, driven by OpenAI's own Java SDK: chats
 * are rendered with the folder's chat template ({@code chat_template_kwargs} reaching it), replies
 * stop at the family's end ids, usage counts the rendered prompt, a plain completion gets the
 * tokenizer's BOS, and a request that sets no sampling samples as {@code generation_config.json}
 * recommends.
 */
class FamilyServeTest {

    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "You are concise."),
            new ChatMessage("user", "Name a colour."));

    private static OpenAIClient client(TinyServer server) {
        return OpenAIOkHttpClient.builder().baseUrl(server.url("/v1")).apiKey("not-checked").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    private static ChatCompletionCreateParams.Builder chat(TinyServer server, int maxTokens) {
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(server.model)
                .maxCompletionTokens(maxTokens);
        b.addSystemMessage(CHAT.get(0).content()).addUserMessage(CHAT.get(1).content());
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void chatsAreRenderedWithTheFoldersTemplateAndStopAtItsEndIds(String fixture, @TempDir Path tmp)
            throws Exception {
        try (TinyServer server = TinyServer.family(fixture, tmp, 2)) {
            OpenAIClient client = client(server);
            try {
                int max = 40;
                ChatCompletion c = client.chat().completions().create(chat(server, max).temperature(0.0).build());
                long[] want = server.chatGreedyIds(CHAT, max);
                assertThat(c.choices().get(0).message().content().orElseThrow())
                        .isEqualTo(server.tokenizer.decode(want));
                assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(server.chatTokens(CHAT));
                assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(want.length);
                assertThat(c.choices().get(0).finishReason().asString()).isEqualTo(want.length < max ? "stop" : "length");

                StringBuilder streamed = new StringBuilder();
                try (StreamResponse<ChatCompletionChunk> s =
                        client.chat().completions().createStreaming(chat(server, max).temperature(0.0).build())) {
                    s.stream().forEach(chunk -> chunk.choices()
                            .forEach(choice -> choice.delta().content().ifPresent(streamed::append)));
                }
                assertThat(streamed.toString()).isEqualTo(server.tokenizer.decode(want));

                // a plain completion is a document start: Llama's tokenizer adds <|begin_of_text|>, Qwen3's nothing
                Completion plain = client.completions().create(CompletionCreateParams.builder().model(server.model)
                        .prompt("Every effort moves you").maxTokens(3).temperature(0.0).build());
                int bare = server.tokenizer.encode("Every effort moves you").length;
                assertThat(plain.usage().orElseThrow().promptTokens())
                        .isEqualTo(fixture.startsWith("llama") ? bare + 1 : bare);
            } finally {
                client.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny"})
    void chatTemplateKwargsReachTheTemplate(String fixture, @TempDir Path tmp) throws Exception {
        try (TinyServer server = TinyServer.family(fixture, tmp, 1)) {
            OpenAIClient client = client(server);
            try {
                Map<String, Object> noThinking = Map.of("enable_thinking", false);
                ChatCompletion c = client.chat().completions().create(chat(server, 5).temperature(0.0)
                        .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(noThinking)).build());
                // Qwen3's template then closes an empty <think></think> block in the prompt
                assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(server.chatTokens(CHAT, noThinking))
                        .isGreaterThan(server.chatTokens(CHAT));
                assertThat(c.choices().get(0).message().content().orElseThrow())
                        .isEqualTo(server.tokenizer.decode(server.chatGreedyIds(CHAT, noThinking, 5)));
                assertThatThrownBy(() -> client.chat().completions().create(chat(server, 5)
                        .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from("no")).build()))
                        .isInstanceOf(BadRequestException.class).hasMessageContaining("chat_template_kwargs");
            } finally {
                client.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void aRequestWithoutSamplingSettingsSamplesAsTheFolderRecommends(String fixture, @TempDir Path tmp)
            throws Exception {
        try (TinyServer server = TinyServer.family(fixture, tmp, 1)) {
            OpenAIClient client = client(server);
            try {
                ChatCompletion c = client.chat().completions().create(chat(server, 12).seed(7).build());
                GenerationConfig recommended = GenerationConfig.read(tmp.resolve(fixture));
                long[] want = server.chatSampledIds(CHAT, recommended.sampling(12, null, null, null, 7));
                assertThat(c.choices().get(0).message().content().orElseThrow())
                        .isEqualTo(server.tokenizer.decode(want));
                long[] greedy = server.chatGreedyIds(CHAT, 12);
                assertThat(want).isNotEqualTo(greedy); // the proof that sampling, not greedy, ran
            } finally {
                client.close();
            }
        }
    }
}
