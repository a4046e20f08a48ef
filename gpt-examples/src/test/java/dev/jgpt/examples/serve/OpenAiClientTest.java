package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server driven by OpenAI's own Java SDK ({@code com.openai:openai-java}), unmodified and
 * pointed at the loopback server by base URL only: what a team's existing client code does.
 */
class OpenAiClientTest {

    private static final String PROMPT = "Every effort moves you";
    private static TinyServer tiny;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        tiny = TinyServer.start(2);
        client = OpenAIOkHttpClient.builder()
                .baseUrl(tiny.url("/v1"))
                .apiKey("not-checked")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        tiny.close();
    }

    private static CompletionCreateParams greedy(int maxTokens) {
        return CompletionCreateParams.builder()
                .model(TinyServer.MODEL)
                .prompt(PROMPT)
                .maxTokens(maxTokens)
                .temperature(0.0)
                .build();
    }

    @Test
    void listsTheModel() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertThat(ids).containsExactly(TinyServer.MODEL);
    }

    @Test
    void aPlainCompletionIsTheGreedyContinuationWithUsage() {
        Completion c = client.completions().create(greedy(10));
        CompletionChoice choice = c.choices().get(0);
        assertThat(choice.text()).isEqualTo(tiny.greedy(PROMPT, 10));
        assertThat(choice.finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
        CompletionUsage usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(tiny.tokens(PROMPT));
        assertThat(usage.completionTokens()).isEqualTo(10);
        assertThat(usage.totalTokens()).isEqualTo(tiny.tokens(PROMPT) + 10);
    }

    @Test
    void aStreamingCompletionArrivesInPiecesThatAddUpToTheSameText() {
        List<String> pieces = new ArrayList<>();
        CompletionUsage usage = null;
        try (StreamResponse<Completion> stream = client.completions().createStreaming(greedy(10))) {
            for (Completion chunk : (Iterable<Completion>) stream.stream()::iterator) {
                chunk.choices().forEach(choice -> pieces.add(choice.text()));
                if (chunk.usage().isPresent()) {
                    usage = chunk.usage().get();
                }
            }
        }
        assertThat(pieces.stream().filter(p -> !p.isEmpty()).count()).isGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(tiny.greedy(PROMPT, 10));
        assertThat(usage).isNotNull();
        assertThat(usage.completionTokens()).isEqualTo(10);
    }

    @Test
    void chatPlainAndStreamingAnswerAsTheAssistant() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model(TinyServer.MODEL)
                .addUserMessage("Name a colour.")
                .maxCompletionTokens(6)
                .temperature(0.0)
                .build();
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Name a colour."));
        String want = tiny.chatGreedy(messages, 6);
        int wantTokens = tiny.greedyIds(PromptFormat.ALPACA.render(messages), 6).length;

        ChatCompletion plain = client.chat().completions().create(params);
        assertThat(plain.choices().get(0).message().content().orElseThrow()).isEqualTo(want);
        assertThat(plain.usage().orElseThrow().completionTokens()).isEqualTo(wantTokens);

        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices()
                    .forEach(choice -> choice.delta().content().ifPresent(streamed::append)));
        }
        assertThat(streamed.toString()).isEqualTo(want);
    }

    @Test
    void aBadRequestSurfacesAsTheSdksOwnErrorNamingTheField() {
        CompletionCreateParams tooLong = CompletionCreateParams.builder()
                .model(TinyServer.MODEL).prompt(PROMPT).maxTokens(100_000).build();
        assertThatThrownBy(() -> client.completions().create(tooLong))
                .isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(((BadRequestException) e).statusCode()).isEqualTo(400))
                .hasMessageContaining("max_tokens");
    }
}
