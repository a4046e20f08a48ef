package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static TinyGpt2Fixture fixture;
    private static LanguageModel lm;

    @BeforeAll
    static void load() {
        fixture = TinyGpt2Fixture.load();
        lm = LanguageModel.load(fixture.dir);
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void greedyWithAndWithoutTheCacheReproducesTheReference() {
        int n = fixture.greedyContinuation.length;
        assertThat(new Generator(lm, true).greedy(fixture.greedyPrompt, n))
                .containsExactly(fixture.greedyContinuation);
        assertThat(new Generator(lm, false).greedy(fixture.greedyPrompt, n))
                .containsExactly(fixture.greedyContinuation);
    }

    @Test
    void generationPastTheContextWindowMatchesWithAndWithoutTheCache() {
        int context = lm.config().contextLength(); // 128
        long[] prompt = fixture.inputIds[1];
        SamplingConfig cfg = SamplingConfig.greedy(context + 20 - prompt.length);
        long[] cached = new Generator(lm, true).generate(prompt, cfg, null);
        long[] plain = new Generator(lm, false).generate(prompt, cfg, null);
        assertThat(cached).hasSize(context + 20 - prompt.length).containsExactly(plain);
    }

    @Test
    void promptsLongerThanTheContextAreCroppedToTheLastWindow() {
        int context = lm.config().contextLength();
        long[] longPrompt = new long[context + 70];
        for (int i = 0; i < longPrompt.length; i++) {
            longPrompt[i] = (i * 7919L) % 50000;
        }
        long[] window = java.util.Arrays.copyOfRange(longPrompt, 70, longPrompt.length);
        assertThat(new Generator(lm).greedy(longPrompt, 5))
                .containsExactly(new Generator(lm).greedy(window, 5));
    }

    @Test
    void cacheMatchesNoCacheOnARandomly_initialised124MModel() {
        GptConfig cfg = GptConfig.gpt2Small().withDropRate(0f);
        try (LanguageModel big = LanguageModel.create(cfg, Engine.getInstance().defaultDevice(), 3)) {
            long[] prompt = {6109, 3626, 6100, 345};
            long[] cached = new Generator(big, true).greedy(prompt, 8);
            long[] plain = new Generator(big, false).greedy(prompt, 8);
            assertThat(cached).hasSize(8).containsExactly(plain);
        }
    }

    @Test
    void samplingIsReproducibleFromTheSeed() {
        SamplingConfig base = SamplingConfig.greedy(20);
        SamplingConfig a = base.withSampling(1.5f, 50, 0.95f, 123);
        long[] first = new Generator(lm).generate(fixture.greedyPrompt, a, null);
        long[] again = new Generator(lm).generate(fixture.greedyPrompt, a, null);
        long[] other = new Generator(lm).generate(fixture.greedyPrompt, base.withSampling(1.5f, 50, 0.95f, 124), null);
        assertThat(again).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(first).isNotEqualTo(fixture.greedyContinuation);
    }

    @Test
    void stopsAtEndOfTextWithoutReturningIt() {
        long firstGreedy = fixture.greedyContinuation[0];
        long[] out = new Generator(lm).generate(
                fixture.greedyPrompt, SamplingConfig.greedy(20).withEndOfText(firstGreedy), null);
        assertThat(out).isEmpty();
        long seventh = fixture.greedyContinuation[6]; // 19734, first produced at step 7
        long[] six = new Generator(lm).generate(
                fixture.greedyPrompt, SamplingConfig.greedy(20).withEndOfText(seventh), null);
        assertThat(six).containsExactly(java.util.Arrays.copyOf(fixture.greedyContinuation, 6));
    }

    @Test
    void stopsAtAnyOfSeveralEndIds() {
        long seventh = fixture.greedyContinuation[6];
        long never = 7; // not among the first 20 greedy tokens
        assertThat(fixture.greedyContinuation).doesNotContain(never);
        SamplingConfig two = SamplingConfig.greedy(20).withEndIds(never, seventh);
        assertThat(two.endIds()).containsExactly(never, seventh);
        assertThat(new Generator(lm).generate(fixture.greedyPrompt, two, null))
                .containsExactly(java.util.Arrays.copyOf(fixture.greedyContinuation, 6));
        long[][] batch = new Generator(lm).generateBatch(new long[][] {fixture.greedyPrompt, fixture.greedyPrompt}, two);
        assertThat(batch[0]).containsExactly(java.util.Arrays.copyOf(fixture.greedyContinuation, 6));
        assertThat(batch[1]).containsExactly(batch[0]);
    }

    @Test
    void streamsEachTokenAndCanBeStopped() {
        List<Long> seen = new ArrayList<>();
        long[] out = new Generator(lm).generate(fixture.greedyPrompt, SamplingConfig.greedy(20), id -> {
            seen.add(id);
            return seen.size() < 3;
        });
        assertThat(out).containsExactly(java.util.Arrays.copyOf(fixture.greedyContinuation, 3));
        assertThat(seen).containsExactly(out[0], out[1], out[2]);
    }

    @Test
    void batchedGenerationEqualsOneByOne() {
        long[][] prompts = {
            fixture.greedyPrompt,
            fixture.inputIds[1],
            {6109, 3626},
            java.util.Arrays.copyOf(fixture.inputIds[0], 9)
        };
        Generator gen = new Generator(lm);
        for (SamplingConfig cfg : new SamplingConfig[] {
                SamplingConfig.greedy(15), SamplingConfig.greedy(15).withSampling(1.3f, 40, 0.9f, 77)}) {
            long[][] batched = gen.generateBatch(prompts, cfg);
            for (int i = 0; i < prompts.length; i++) {
                assertThat(batched[i]).as("prompt %d, %s", i, cfg)
                        .containsExactly(gen.generate(prompts[i], cfg, null));
            }
        }
    }

    @Test
    void batchRowsStopAtEndOfTextIndependently() {
        long eos = fixture.greedyContinuation[6];
        SamplingConfig cfg = SamplingConfig.greedy(12).withEndOfText(eos);
        long[][] prompts = {fixture.greedyPrompt, {6109, 3626, 6100, 345}};
        long[][] batched = new Generator(lm).generateBatch(prompts, cfg);
        assertThat(batched[0]).containsExactly(java.util.Arrays.copyOf(fixture.greedyContinuation, 6));
        assertThat(batched[1]).containsExactly(new Generator(lm).generate(prompts[1], cfg, null));
        assertThatThrownBy(() -> new Generator(lm).generateBatch(prompts, SamplingConfig.greedy(200)))
                .hasMessageContaining("fit the context length 128");
        assertThatThrownBy(() -> new Generator(lm).generateBatch(new long[][] {{1}, {}}, cfg))
                .hasMessageContaining("Prompt 1 is empty");
    }

    @Test
    void generationLeavesNoArraysBehind() {
        ai.djl.ndarray.BaseNDManager manager = (ai.djl.ndarray.BaseNDManager) lm.manager();
        int before = manager.getManagedArrays().size();
        new Generator(lm, true).greedy(fixture.greedyPrompt, 40);
        new Generator(lm, false).greedy(fixture.greedyPrompt, 10);
        new Generator(lm).generateBatch(new long[][] {{1, 2}, {3}}, SamplingConfig.greedy(5));
        assertThat(manager.getManagedArrays()).hasSize(before);
    }

    @Test
    void invalidInputIsRejected() {
        assertThatThrownBy(() -> new Generator(lm).greedy(new long[0], 5))
                .hasMessageContaining("prompt is empty");
        assertThatThrownBy(() -> new Generator(lm).greedy(new long[] {-1}, 5))
                .hasMessageContaining("outside the vocabulary");
    }
}
