package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import org.junit.jupiter.api.Test;

class HalfPrecisionTest {

    private static float[] logits(LanguageModel lm, TinyGpt2Fixture fx) {
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(fx.flatInputIds()).reshape(fx.inputIds.length, fx.inputIds[0].length);
            return lm.logits(ids).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @Test
    void fp16WeightsGiveTheFp32LogitsToHalfPrecisionAndTheSameGreedyText() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        try (LanguageModel lm = LanguageModel.load(fx.dir, Device.cpu())) {
            if (lm.manager().getEngine().getEngineName().equals("MXNet")) {
                // DJL's MXNet engine has no float16 type at all: one clear error
                assertThatThrownBy(() -> lm.toDataType(DataType.FLOAT16))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("MXNet engine cannot run this model in float16");
                return;
            }
            float[] full = logits(lm, fx);
            float[] half;
            try (LanguageModel fp16 = lm.toDataType(DataType.FLOAT16)) {
                assertThat(fp16.dataType()).isEqualTo(DataType.FLOAT16);
                half = logits(fp16, fx);
                long[] greedy = new Generator(fp16).greedy(fx.greedyPrompt, fx.greedyContinuation.length);
                assertThat(greedy).containsExactly(fx.greedyContinuation);
            }
            double scale = 0;
            for (float v : full) {
                scale = Math.max(scale, Math.abs(v));
            }
            // fp16 keeps about 3 decimal digits
            assertThat(FloatArrays.maxAbsDiff(half, full)).isLessThan(1e-2 * Math.max(1, scale));
            assertThat(FloatArrays.maxAbsDiff(half, full)).isGreaterThan(0); // it really ran in fp16
            assertThat(lm.dataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    /**
     * Rows of different lengths in fp16: the padding mask stays finite, so a left-padded row (and
     * the batch scheduler's joining groups) gives each prompt's tokens alone, not NaN logits.
     */
    @Test
    void fp16BatchesOfDifferentLengthsGiveEachPromptsTokens() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        try (LanguageModel lm = LanguageModel.load(fx.dir, Device.cpu())) {
            if (lm.manager().getEngine().getEngineName().equals("MXNet")) {
                // DJL's MXNet engine has no float16: the one clear error, as above
                assertThatThrownBy(() -> lm.toDataType(DataType.FLOAT16))
                        .hasMessageContaining("MXNet engine cannot run this model in float16");
                return;
            }
            try (LanguageModel fp16 = lm.toDataType(DataType.FLOAT16);
                    dev.jgpt.model.generate.ContinuousBatcher batcher =
                            new dev.jgpt.model.generate.ContinuousBatcher(fp16, 4, 3)) {
                long[][] prompts = {fx.greedyPrompt, {6109, 3626}, java.util.Arrays.copyOf(fx.inputIds[0], 9)};
                dev.jgpt.model.generate.SamplingConfig greedy = dev.jgpt.model.generate.SamplingConfig.greedy(8);
                long[][] batched = new Generator(fp16).generateBatch(prompts, greedy);
                java.util.List<dev.jgpt.model.generate.ContinuousBatcher.Sequence> seqs = new java.util.ArrayList<>();
                for (long[] p : prompts) {
                    seqs.add(batcher.submit(p, greedy));
                }
                for (int i = 0; i < prompts.length; i++) {
                    long[] alone = new Generator(fp16).generate(prompts[i], greedy, null);
                    assertThat(batched[i]).as("generateBatch, prompt %d", i).containsExactly(alone);
                    assertThat(seqs.get(i).await(null)).as("batcher, prompt %d", i).containsExactly(alone);
                }
            }
        }
    }

    @Test
    void bf16IsOneClearErrorNotACrash() {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        try (LanguageModel lm = LanguageModel.load(fx.dir, Device.cpu())) {
            assertThatThrownBy(() -> lm.toDataType(DataType.BFLOAT16))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BF16 is not supported");
            assertThatThrownBy(() -> lm.toDataType(DataType.INT8)).hasMessageContaining("fp32 or fp16");
            assertThat(lm.dataType()).isEqualTo(DataType.FLOAT32);
        }
    }
}
