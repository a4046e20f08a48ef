package dev.jgpt.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.nn.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GptConfigTest {

    @Test
    void gpt2sConfigIsAFamilyNeutralModelConfig() {
        ModelConfig c = GptConfig.gpt2Small();
        assertThat(c.modelType()).isEqualTo("gpt2");
        assertThat(c.hiddenSize()).isEqualTo(768);
        assertThat(c.numKvHeads()).isEqualTo(c.numHeads()).isEqualTo(12);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.numLayers()).isEqualTo(12);
        assertThat(c.tieEmbeddings()).isFalse();
        assertThat(c.parameterCount()).isEqualTo(163_009_536L);
    }

    @Test
    void gpt2SmallHasTheBooksParameterCounts() {
        GptConfig cfg = GptConfig.gpt2Small();
        assertThat(cfg.parameterCount()).isEqualTo(163_009_536L);
        assertThat(cfg.withTiedEmbeddings(true).parameterCount()).isEqualTo(124_412_160L);
        // The book: "Total size of the model: 621.83 MB"
        assertThat(cfg.fp32Bytes() / (1024.0 * 1024.0)).isCloseTo(621.83, within(0.005));
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }

    /**
     * Untied counts are the book's exercise 4.1 figures; the HuggingFace layout (qkv bias, tied
     * head) gives the published counts of OpenAI's checkpoints. The blocks are built but never
     * allocated: counts come from parameter shapes.
     */
    @ParameterizedTest
    @CsvSource({
        "124M, 163009536, 124439808",
        "355M, 406212608, 354823168",
        "774M, 838220800, 774030080",
        "1558M, 1637792000, 1557611200"
    })
    void presetsMatchPublishedCounts(String preset, long bookUntied, long huggingFace) {
        GptConfig cfg = GptConfig.preset(preset);
        GptConfig hf = cfg.withQkvBias(true).withTiedEmbeddings(true);
        assertThat(cfg.parameterCount()).isEqualTo(bookUntied);
        assertThat(hf.parameterCount()).isEqualTo(huggingFace);
        assertThat(new GptModel(cfg).parameterCount()).isEqualTo(bookUntied);
        assertThat(new GptModel(hf).parameterCount()).isEqualTo(huggingFace);
    }

    @Test
    void invalidValuesNameTheField() {
        assertThatThrownBy(() -> new GptConfig(50257, 1024, 100, 3, 2, 0.1f, false, false, 1e-5f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedDim (100)")
                .hasMessageContaining("numHeads (3)");
        assertThatThrownBy(() -> new GptConfig(0, 1024, 768, 12, 12, 0.1f, false, false, 1e-5f))
                .hasMessageContaining("vocabSize must be positive, got 0");
        assertThatThrownBy(() -> new GptConfig(50257, 1024, 768, 12, -1, 0.1f, false, false, 1e-5f))
                .hasMessageContaining("numLayers must be positive, got -1");
        assertThatThrownBy(() -> new GptConfig(50257, 1024, 768, 12, 12, 1.0f, false, false, 1e-5f))
                .hasMessageContaining("dropRate must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new GptConfig(50257, 1024, 768, 12, 12, -0.1f, false, false, 1e-5f))
                .hasMessageContaining("dropRate");
        assertThatThrownBy(() -> new GptConfig(50257, 1024, 768, 12, 12, 0.1f, false, false, 0f))
                .hasMessageContaining("layerNormEps");
        assertThatThrownBy(() -> GptConfig.preset("42M"))
                .hasMessageContaining("Unknown model preset '42M'")
                .hasMessageContaining("124M");
    }

    @Test
    void ownJsonRoundTrips() {
        GptConfig cfg = GptConfig.gpt2Medium().withDropRate(0.0f).withContextLength(256);
        assertThat(GptConfig.fromJson(cfg.toJson())).isEqualTo(cfg);
    }

    @Test
    void readsHuggingFaceConfig() {
        String json =
                "{\"model_type\":\"gpt2\",\"activation_function\":\"gelu_new\",\"n_embd\":64,"
                        + "\"n_layer\":2,\"n_head\":4,\"n_positions\":128,\"vocab_size\":50257,"
                        + "\"layer_norm_epsilon\":1e-05,\"resid_pdrop\":0.1,\"n_inner\":null}";
        GptConfig cfg = GptConfig.fromJson(json);
        assertThat(cfg)
                .isEqualTo(new GptConfig(50257, 128, 64, 4, 2, 0.1f, true, true, 1e-5f));
    }

    @Test
    void rejectsConfigsThisModelCannotRun() {
        assertThatThrownBy(() -> GptConfig.fromJson("{\"model_type\":\"llama\",\"n_embd\":4}"))
                .hasMessageContaining("model_type 'llama'");
        assertThatThrownBy(
                        () ->
                                GptConfig.fromJson(
                                        "{\"model_type\":\"gpt2\",\"activation_function\":\"relu\"}"))
                .hasMessageContaining("activation_function 'relu'");
        assertThatThrownBy(() -> GptConfig.fromJson("{\"model_type\":\"gpt2\",\"n_embd\":64}"))
                .hasMessageContaining("missing the field 'vocab_size'");
        assertThatThrownBy(() -> GptConfig.fromJson("not json {"))
                .hasMessageContaining("not valid JSON");
    }
}
