package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A conversation kept across turns with Qwen3's chat template, and trimmed whole to fit the context. */
class ChatSessionTest {

    @TempDir Path tmp;

    @Test
    void eachTurnIsTheReplyToTheWholeConversationRenderedByTheTemplate() {
        Path dir = TestData.modelFolder("qwen3-tiny", tmp);
        try (LanguageModel lm = LanguageModel.load(dir); Tokenizer tokenizer = Tokenizers.forModel(dir)) {
            ChatFormat format = ChatFormat.forModel(dir);
            assertThat(format.hasTemplate()).isTrue();
            TextGenerator generator = new TextGenerator(lm, tokenizer);
            SamplingConfig greedy = SamplingConfig.greedy(6).withEndIdsOf(tokenizer);
            ChatSession session = new ChatSession(generator, tokenizer, format, lm.config().contextLength(),
                    Map.of("enable_thinking", false), "Be brief.");
            List<String> streamed = new ArrayList<>();
            String first = session.reply("Name a colour.", greedy, streamed::add);
            assertThat(String.join("", streamed)).isEqualTo(first);
            String second = session.reply("Another one?", greedy, null);
            List<ChatMessage> all = session.messages();
            assertThat(all).extracting(ChatMessage::role).containsExactly("system", "user", "assistant", "user",
                    "assistant");
            assertThat(all.get(2).content()).isEqualTo(first);
            String expected = generator.generate(format.prompt(all.subList(0, 4), Map.of("enable_thinking", false)),
                    greedy, null);
            assertThat(second).isEqualTo(expected);

            // a context that holds about two exchanges: the oldest are dropped whole, the system message kept
            int oneTurn = tokenizer.encode(format.prompt(all.subList(0, 2), Map.of("enable_thinking", false))).length;
            ChatSession small = new ChatSession(generator, tokenizer, format, oneTurn + 30, Map.of(), "Be brief.");
            for (int i = 0; i < 4; i++) {
                small.reply("Name a colour.", greedy, null);
            }
            assertThat(small.droppedExchanges()).isPositive();
            assertThat(small.messages().get(0).role()).isEqualTo("system");
            assertThat(small.messages().get(1).role()).isEqualTo("user");
            assertThatThrownBy(() -> small.reply("word ".repeat(200), greedy, null))
                    .hasMessageContaining("more than the model's context");
            assertThat(small.messages().get(small.messages().size() - 1).role()).isEqualTo("assistant");
            small.reset();
            assertThat(small.messages()).extracting(ChatMessage::role).containsExactly("system");
        }
    }
}
