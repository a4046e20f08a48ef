package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stop sequences with streaming hold-back, alone and through {@link TextGenerator#complete}. */
class StopSequencesTest {

    @Test
    void aStopSplitAcrossPiecesIsNeverSent() {
        List<String> sent = new ArrayList<>();
        StopSequences s = new StopSequences(List.of("\n###"), p -> sent.add(p));
        assertThat(s.accept("Red is")).isTrue();
        assertThat(s.accept(" warm.\n#")).isTrue();
        assertThat(s.accept("## Instruction")).isFalse();
        s.finish();
        assertThat(s.text()).isEqualTo("Red is warm.");
        assertThat(String.join("", sent)).isEqualTo("Red is warm.");
        assertThat(sent).noneMatch(p -> p.contains("#"));
        assertThat(s.stopped()).isTrue();
    }

    @Test
    void theEarliestOfSeveralStopsWinsAndNoStopsSendEverything() {
        StopSequences s = new StopSequences(List.of("cat", "a"), null);
        s.accept("the black cat");
        assertThat(s.text()).isEqualTo("the bl");
        List<String> sent = new ArrayList<>();
        StopSequences none = new StopSequences(List.of(), sent::add);
        none.accept("one ");
        none.accept("two");
        none.finish();
        assertThat(sent).containsExactly("one ", "two");
        assertThat(none.stopped()).isFalse();
    }

    @Test
    void aSinkThatLeavesStopsGenerationAndEmptyStopsAreRefused() {
        StopSequences s = new StopSequences(null, p -> false);
        assertThat(s.accept("x")).isFalse();
        assertThat(s.cancelled()).isTrue();
        assertThat(s.accept("y")).isFalse();
        assertThatThrownBy(() -> new StopSequences(List.of("ok", ""), null)).hasMessageContaining("empty");
    }

    @Test
    void completeCutsTheGreedyTextAtAStopAndSaysWhy() {
        TinyGpt2Fixture fixture = TinyGpt2Fixture.load();
        try (LanguageModel lm = LanguageModel.load(fixture.dir); Gpt2Tokenizer tok = Gpt2Tokenizer.builtIn()) {
            TextGenerator gen = new TextGenerator(lm, tok);
            SamplingConfig greedy = SamplingConfig.greedy(20);
            TextGenerator.Completion full = gen.complete(fixture.greedyPrompt, greedy, null, null);
            assertThat(full.text()).isEqualTo(tok.decode(fixture.greedyContinuation));
            assertThat(full.finishReason()).isEqualTo(TextGenerator.FinishReason.LENGTH);
            assertThat(full.promptTokens()).isEqualTo(fixture.greedyPrompt.length);
            assertThat(full.completionTokens()).isEqualTo(20);

            String stop = full.text().substring(full.text().length() / 2, full.text().length() / 2 + 3);
            int at = full.text().indexOf(stop);
            List<String> streamed = new ArrayList<>();
            TextGenerator.Completion cut = gen.complete(fixture.greedyPrompt, greedy, List.of(stop), streamed::add);
            assertThat(cut.text()).isEqualTo(full.text().substring(0, at));
            assertThat(String.join("", streamed)).isEqualTo(cut.text());
            assertThat(cut.finishReason()).isEqualTo(TextGenerator.FinishReason.STOP);
            assertThat(cut.completionTokens()).isLessThan(20);
        }
    }
}
