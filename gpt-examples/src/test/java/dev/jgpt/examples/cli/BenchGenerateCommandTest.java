package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.decoder.DecoderConfig;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.testing.TestData;
import org.junit.jupiter.api.Test;

/** {@code jgpt bench-generate} on tiny models: it runs and states the bandwidth bound. */
class BenchGenerateCommandTest {

    @Test
    void aDecoderFamilyRunsAndPrintsTheBandwidthBound() {
        JgptCliTest.Result r = JgptCliTest.run("bench-generate", "--model-size",
                TestData.fixture("qwen3-tiny").toString(), "--new-tokens", "3", "--warmup-tokens", "1",
                "--bandwidth-mib", "64");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("(qwen3)").contains("memory read bandwidth (best of 5): ")
                .containsPattern("bandwidth bound: [0-9.]+ GB/s / [0-9.]+ GB per token = [0-9.]+ tokens/s")
                .containsPattern("kernel bound: [0-9.]+ GB/s / [0-9.]+ GB per token = [0-9.]+ tokens/s")
                .containsPattern("matrix-vector product \\(best of 5\\): [0-9.]+ GB/s .*, [0-9]+% of the read bandwidth")
                .containsPattern("kv cache: 3 tokens in .* tokens/s after the first \\([0-9]+% of the bandwidth bound,"
                        + " [0-9]+% of the kernel bound\\)")
                .containsPattern("no cache: 3 tokens in ").contains("peak RSS: ");
    }

    @Test
    void gpt2PresetsKeepOpenAisLayout() {
        JgptCliTest.Result r = JgptCliTest.run("bench-generate", "--model-size", "tiny", "--new-tokens", "2",
                "--warmup-tokens", "0", "--bandwidth-mib", "64", "--skip-no-cache");
        assertThat(r.code()).as(r.err()).isZero();
        GptConfig cfg = GptConfig.preset("tiny").withQkvBias(true).withTiedEmbeddings(true);
        assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "%,d parameters", cfg.parameterCount()))
                .contains("bandwidth bound: ").doesNotContain("no cache:");
    }

    @Test
    void anUnknownPresetIsOneErrorListingTheKnownOnes() {
        JgptCliTest.Result r = JgptCliTest.run("bench-generate", "--model-size", "qwen9-huge");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("qwen9-huge").contains("qwen3-0.6b").contains("llama3.2-1b");
    }

    @Test
    void bytesPerTokenCountTheHeadInFullAndEachLookupAsOneRow() {
        int v = 1000;
        int c = 16;
        for (boolean tied : new boolean[] {true, false}) {
            DecoderConfig cfg = new DecoderConfig("llama", v, 64, c, 32, 2, 4, 2, 8, 1e-5f, 500_000, null, tied,
                    false, false, 0.02f);
            try (LanguageModel lm = LanguageModel.create(cfg, Device.cpu(), 1)) {
                long params = cfg.parameterCount();
                long expected = tied ? params : params - (long) v * c + c; // untied: the table gives one row
                assertThat(BenchGenerateCommand.bytesReadPerToken(lm)).as("tied=" + tied).isEqualTo(4 * expected);
            }
        }
        GptConfig gpt = GptConfig.preset("tiny").withQkvBias(true).withTiedEmbeddings(true);
        try (LanguageModel lm = LanguageModel.create(gpt, Device.cpu(), 1)) {
            long positions = (long) gpt.contextLength() * gpt.hiddenSize(); // position table: one row read
            assertThat(BenchGenerateCommand.bytesReadPerToken(lm))
                    .isEqualTo(4 * (gpt.parameterCount() - positions + gpt.hiddenSize()));
        }
    }
}
