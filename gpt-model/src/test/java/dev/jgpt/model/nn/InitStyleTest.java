package dev.jgpt.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.gpt2.GptModel;
import org.junit.jupiter.api.Test;

class InitStyleTest {

    private static double std(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        return Math.sqrt(var / v.length);
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    @Test
    void gpt2AndBookStylesDrawDifferentScales() {
        GptConfig cfg = GptConfig.tiny().withTiedEmbeddings(false);
        try (LanguageModel gpt2 = LanguageModel.create(cfg, Engine.getInstance().defaultDevice(), 1);
                LanguageModel book = LanguageModel.create(cfg, Engine.getInstance().defaultDevice(), 1, InitStyle.BOOK)) {
            assertThat(std(((GptModel) gpt2.block()).wte().weight().getArray().toFloatArray())).isCloseTo(0.02, within(0.002));
            assertThat(std(((GptModel) gpt2.block()).blocks().get(0).attn().cProj().weight().getArray().toFloatArray()))
                    .isCloseTo(0.02 / Math.sqrt(2 * cfg.numLayers()), within(0.002));
            assertThat(std(((GptModel) book.block()).wte().weight().getArray().toFloatArray())).isCloseTo(1.0, within(0.02));
            float[] cAttn = ((GptModel) book.block()).blocks().get(0).attn().cAttn().weight().getArray().toFloatArray();
            double bound = 1 / Math.sqrt(cfg.embedDim());
            assertThat(maxAbs(cAttn)).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
            assertThat(std(cAttn)).isCloseTo(bound / Math.sqrt(3), within(0.01)); // uniform
            float[] headBias = ((GptModel) book.block()).blocks().get(0).mlp().cFc().bias().getArray().toFloatArray();
            assertThat(maxAbs(headBias)).isGreaterThan(0).isLessThanOrEqualTo(bound);
            assertThat(((GptModel) book.block()).lnF().weight().getArray().toFloatArray()).containsOnly(1f);
        }
    }
}
