package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching gives every sequence exactly the tokens it gets alone from {@link
 * Generator}, whatever joins and leaves the batch around it, on every family.
 */
class ContinuousBatcherTest {

    private static LanguageModel load(String family) {
        return family.equals("gpt2") ? LanguageModel.load(TinyGpt2Fixture.load().dir)
                : LanguageModel.load(TestData.fixture(family));
    }

    /** Eight prompts of 1 to 40 tokens, with 3 to 24 new tokens each, from a fixed seed. */
    private static List<long[]> prompts(int vocab, long seed) {
        Random r = new Random(seed);
        List<long[]> out = new ArrayList<>();
        int[] lengths = {1, 40, 7, 23, 2, 15, 31, 4};
        for (int n : lengths) {
            long[] p = new long[n];
            for (int i = 0; i < n; i++) {
                p[i] = r.nextInt(vocab);
            }
            out.add(p);
        }
        return out;
    }

    private static SamplingConfig config(int i, boolean sampled) {
        SamplingConfig c = SamplingConfig.greedy(3 + (i * 7) % 22);
        return sampled ? c.withSampling(1.2f, 20, 0.9f, 1000 + i) : c;
    }

    /**
     * Two waves of eight sequences: the first submitted at once (they join one per step, the
     * prompts run in chunks of 3 tokens between decode steps), the second as soon as the first
     * sequence of the first wave has finished, so sequences join and leave at many different
     * steps; each sequence's tokens equal its tokens alone, greedy and seeded sampling alike.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3-tiny", "llama32-tiny"})
    void everySequenceGetsItsTokensAlone(String family) throws Exception {
        try (LanguageModel lm = load(family);
                ContinuousBatcher batcher = new ContinuousBatcher(lm, 6, 3)) {
            List<long[]> prompts = prompts(lm.config().vocabSize(), 7);
            Generator alone = new Generator(lm);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                for (boolean sampled : new boolean[] {false, true}) {
                    List<Future<long[]>> results = new ArrayList<>();
                    List<ContinuousBatcher.Sequence> first = new ArrayList<>();
                    for (int i = 0; i < prompts.size(); i++) {
                        first.add(batcher.submit(prompts.get(i), config(i, sampled)));
                    }
                    for (ContinuousBatcher.Sequence s : first) {
                        results.add(pool.submit(() -> s.await(null)));
                    }
                    results.get(0).get(60, TimeUnit.SECONDS); // the shortest (3 tokens) is done
                    for (int i = 0; i < prompts.size(); i++) {
                        long[] p = prompts.get(prompts.size() - 1 - i);
                        SamplingConfig c = config(i + 3, sampled);
                        results.add(pool.submit(() -> batcher.generate(p, c, null)));
                    }
                    long stepsBefore = batcher.stats().steps();
                    int tokens = 0;
                    for (int i = 0; i < results.size(); i++) {
                        long[] p = i < 8 ? prompts.get(i) : prompts.get(15 - i);
                        SamplingConfig c = i < 8 ? config(i, sampled) : config(i - 8 + 3, sampled);
                        long[] got = results.get(i).get(60, TimeUnit.SECONDS);
                        tokens += got.length;
                        assertThat(got).as("%s sequence %d (%d prompt tokens, %s)", family, i, p.length, c)
                                .containsExactly(alone.generate(p, c, null));
                    }
                    // they shared forward passes: far fewer steps than tokens
                    assertThat(batcher.stats().steps()).isLessThan(stepsBefore + tokens);
                }
            } finally {
                pool.shutdownNow();
            }
            awaitIdle(batcher);
            assertThat(batcher.stats().running()).isZero();
            assertThat(batcher.stats().waiting()).isZero();
        }
    }

    @Test
    void aCancelledSequenceLeavesAndTheOthersGoOn() throws Exception {
        try (LanguageModel lm = load("gpt2"); ContinuousBatcher batcher = new ContinuousBatcher(lm, 4, 64)) {
            List<long[]> prompts = prompts(lm.config().vocabSize(), 11);
            SamplingConfig twenty = SamplingConfig.greedy(20);
            ContinuousBatcher.Sequence a = batcher.submit(prompts.get(1), twenty);
            ContinuousBatcher.Sequence b = batcher.submit(prompts.get(2), twenty);
            List<Long> seen = new ArrayList<>();
            long[] cut = a.await(id -> {
                seen.add(id);
                return seen.size() < 4;
            });
            long[] full = b.await(null);
            long[] aAlone = new Generator(lm).generate(prompts.get(1), twenty, null);
            assertThat(cut).containsExactly(Arrays.copyOf(aAlone, 4));
            assertThat(full).containsExactly(new Generator(lm).generate(prompts.get(2), twenty, null));
            awaitIdle(batcher);
            assertThat(batcher.stats().running()).isZero();
        }
    }

    /** A listener that throws frees its row (the caller is gone), and the batch goes on. */
    @Test
    void aListenerThatThrowsCancelsItsSequence() throws Exception {
        try (LanguageModel lm = load("gpt2"); ContinuousBatcher batcher = new ContinuousBatcher(lm, 4, 64)) {
            SamplingConfig forty = SamplingConfig.greedy(40);
            ContinuousBatcher.Sequence broken = batcher.submit(new long[] {6109, 3626}, forty);
            ContinuousBatcher.Sequence fine = batcher.submit(new long[] {6100, 345}, forty);
            assertThatThrownBy(() -> broken.await(id -> {
                throw new IllegalStateException("socket closed");
            })).hasMessage("socket closed");
            assertThat(fine.await(null)).containsExactly(new Generator(lm).generate(new long[] {6100, 345}, forty, null));
            awaitIdle(batcher);
            assertThat(batcher.stats().running()).isZero();
        }
    }

    @Test
    void endIdsStopEachSequenceOnItsOwn() {
        try (LanguageModel lm = load("gpt2"); ContinuousBatcher batcher = new ContinuousBatcher(lm, 4, 8)) {
            TinyGpt2Fixture fixture = TinyGpt2Fixture.load();
            long seventh = fixture.greedyContinuation[6];
            ContinuousBatcher.Sequence stopped = batcher.submit(fixture.greedyPrompt,
                    SamplingConfig.greedy(20).withEndOfText(seventh));
            ContinuousBatcher.Sequence on = batcher.submit(fixture.greedyPrompt, SamplingConfig.greedy(20));
            assertThat(stopped.await(null)).containsExactly(Arrays.copyOf(fixture.greedyContinuation, 6));
            assertThat(on.await(null)).containsExactly(Arrays.copyOf(fixture.greedyContinuation, 20));
        }
    }

    @Test
    void invalidSequencesAreRefusedAtOnce() {
        try (LanguageModel lm = load("gpt2"); ContinuousBatcher batcher = new ContinuousBatcher(lm, 2, 8)) {
            int context = lm.config().contextLength();
            assertThatThrownBy(() -> batcher.submit(new long[0], SamplingConfig.greedy(3)))
                    .hasMessageContaining("prompt is empty");
            assertThatThrownBy(() -> batcher.submit(new long[] {-1}, SamplingConfig.greedy(3)))
                    .hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> batcher.submit(new long[context - 2], SamplingConfig.greedy(3)))
                    .hasMessageContaining("together exceed the " + context + " tokens a sequence may have");
            assertThatThrownBy(() -> batcher.submit(new long[] {1, 2, 3}, SamplingConfig.greedy(Integer.MAX_VALUE)))
                    .hasMessageContaining("together exceed"); // no int overflow past the check
            assertThat(batcher.submit(new long[] {1, 2, 3}, SamplingConfig.greedy(0)).await(null))
                    .isEmpty(); // as Generator: nothing asked, nothing generated
            assertThatThrownBy(() -> new ContinuousBatcher(lm, 0, 8)).hasMessageContaining("maxBatch");
            assertThatThrownBy(() -> new ContinuousBatcher(lm, 2, 8, context + 1))
                    .hasMessageContaining("maxLength must be in 1.." + context);
        }
    }

    @Test
    void closingEndsWaitingSequencesWithAnErrorAndLeavesNoArrays() {
        try (LanguageModel lm = load("gpt2")) {
            ai.djl.ndarray.BaseNDManager manager = (ai.djl.ndarray.BaseNDManager) lm.manager();
            int before = manager.getManagedArrays().size();
            ContinuousBatcher batcher = new ContinuousBatcher(lm, 2, 4);
            for (long[] p : prompts(lm.config().vocabSize(), 3)) {
                batcher.submit(p, SamplingConfig.greedy(10)).await(null);
            }
            ContinuousBatcher.Sequence late = batcher.submit(new long[] {1, 2, 3}, SamplingConfig.greedy(80));
            batcher.close();
            assertThatThrownBy(() -> late.await(null)).hasMessageContaining("shutting down");
            assertThatThrownBy(() -> batcher.submit(new long[] {1}, SamplingConfig.greedy(1)))
                    .hasMessageContaining("closed");
            assertThat(manager.getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void theCacheBoundCountsEveryLayersKeysAndValues() {
        try (LanguageModel lm = load("gpt2"); ContinuousBatcher batcher = new ContinuousBatcher(lm, 8, 8);
                ContinuousBatcher shorter = new ContinuousBatcher(lm, 8, 8, 40)) {
            var c = lm.config();
            long perPosition = 2L * c.numLayers() * c.numKvHeads() * c.headDim() * 4;
            assertThat(batcher.cacheBytesBound()).isEqualTo(perPosition * c.contextLength() * 8);
            assertThat(shorter.cacheBytesBound()).isEqualTo(perPosition * 40 * 8);
            assertThatThrownBy(() -> shorter.submit(new long[30], SamplingConfig.greedy(11)))
                    .hasMessageContaining("exceed the 40 tokens a sequence may have");
            assertThat(shorter.submit(new long[30], SamplingConfig.greedy(10)).await(null)).hasSize(10);
        }
    }

    private static void awaitIdle(ContinuousBatcher batcher) throws InterruptedException {
        for (int i = 0; i < 500 && (batcher.stats().running() > 0 || batcher.stats().waiting() > 0); i++) {
            Thread.sleep(10);
        }
    }
}
