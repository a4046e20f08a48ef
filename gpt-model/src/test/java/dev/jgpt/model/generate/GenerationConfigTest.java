package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json as transformers merges it with the caller's settings. */
class GenerationConfigTest {

    @TempDir Path tmp;

    private static SamplingConfig plain(GenerationConfig g) {
        return g.sampling(10, null, null, null, 7);
    }

    @Test
    void theFixturesRecommendationsApplyWhenTheUserGivesNone() {
        SamplingConfig qwen = plain(GenerationConfig.read(TestData.fixture("qwen3-tiny")));
        assertThat(qwen.temperature()).isEqualTo(0.6f);
        assertThat(qwen.topK()).isEqualTo(20);
        assertThat(qwen.topP()).isEqualTo(0.95f);
        SamplingConfig llama = plain(GenerationConfig.read(TestData.fixture("llama32-tiny")));
        assertThat(llama.temperature()).isEqualTo(0.6f);
        assertThat(llama.topK()).isEqualTo(50); // not in the file: transformers' default
        assertThat(llama.topP()).isEqualTo(0.9f);
        assertThat(llama.seed()).isEqualTo(7);
        assertThat(llama.maxNewTokens()).isEqualTo(10);
    }

    @Test
    void eachSettingTheUserGivesWins() {
        GenerationConfig qwen = GenerationConfig.read(TestData.fixture("qwen3-tiny"));
        SamplingConfig s = qwen.sampling(5, 0.9f, null, 1f, 1);
        assertThat(s.temperature()).isEqualTo(0.9f);
        assertThat(s.topK()).isEqualTo(20);
        assertThat(s.topP()).isEqualTo(1f);
        assertThat(qwen.sampling(5, 0f, null, null, 1).isGreedy()).isTrue();
    }

    @Test
    void aFileWithOnlyTokenIdsRecommendsNoSampling() throws IOException {
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"bos_token_id\": 50256, \"eos_token_id\": 50256}");
        assertThat(GenerationConfig.read(tmp).setsSampling()).isFalse(); // GPT-2's: a server keeps its own defaults
        assertThat(GenerationConfig.read(TestData.fixture("llama32-tiny")).setsSampling()).isTrue();
        assertThat(GenerationConfig.NONE.setsSampling()).isFalse();
    }

    @Test
    void aFolderWithoutTheFileKeepsGreedyAndNoFilters() {
        assertThat(GenerationConfig.read(tmp)).isEqualTo(GenerationConfig.NONE);
        SamplingConfig s = plain(GenerationConfig.NONE);
        assertThat(s.isGreedy()).isTrue();
        assertThat(s.topK()).isZero();
        assertThat(s.topP()).isEqualTo(1f);
        assertThat(GenerationConfig.NONE.sampling(5, 0.8f, null, null, 1).topK()).isZero();
    }

    @Test
    void doSampleFalseOrAbsentIsGreedyAndSamplingWithoutATemperatureUsesOne() throws IOException {
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"temperature\": 0.7, \"top_k\": 5}");
        assertThat(plain(GenerationConfig.read(tmp)).isGreedy()).isTrue();
        Files.writeString(tmp.resolve(GenerationConfig.FILE), "{\"do_sample\": true}");
        SamplingConfig s = plain(GenerationConfig.read(tmp));
        assertThat(s.temperature()).isEqualTo(1f);
        assertThat(s.topK()).isEqualTo(50);
    }

    @Test
    void malformedFieldsNameTheFileAndTheField() throws IOException {
        Path f = tmp.resolve(GenerationConfig.FILE);
        Files.writeString(f, "{\"do_sample\": \"yes\"}");
        assertThatThrownBy(() -> GenerationConfig.read(tmp)).hasMessageContaining(f.toString())
                .hasMessageContaining("'do_sample' must be true or false");
        Files.writeString(f, "{\"top_k\": 2.5}");
        assertThatThrownBy(() -> GenerationConfig.read(tmp)).hasMessageContaining("'top_k' must be a whole number");
        Files.writeString(f, "{\"do_sample\": true, \"top_p\": 1.5}");
        assertThatThrownBy(() -> GenerationConfig.read(tmp)).hasMessageContaining(f.toString())
                .hasMessageContaining("topP must be in (0, 1]");
        Files.writeString(f, "{\"temperature\": [1]}");
        assertThatThrownBy(() -> GenerationConfig.read(tmp)).hasMessageContaining("'temperature' must be a number");
        Files.writeString(f, "{\"temperature\": 1,");
        assertThatThrownBy(() -> GenerationConfig.read(tmp)).hasMessageContaining("not valid JSON");
    }
}
