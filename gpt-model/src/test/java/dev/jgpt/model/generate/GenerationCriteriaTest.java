package dev.jgpt.model.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationCriteriaTest {

    @TempDir Path tmp;

    @Test
    void aModelFolderLoadsThroughCriteriaAndPredicts() throws Exception {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        SamplingConfig sampling = SamplingConfig.greedy(20).withSampling(1.0f, 50, 0.95f, 5);
        String prompt = "Every effort moves you";
        Path own = tmp.resolve("own");
        String expected;
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.builtIn()) {
            try (LanguageModel lm = LanguageModel.load(fx.dir)) {
                lm.save(own);
                expected = new TextGenerator(lm, tok).generate(prompt, sampling, null);
            }
            assertThat(expected).isNotBlank();
            for (Path dir : new Path[] {fx.dir, own}) {
                try (ZooModel<String, String> model =
                                GenerationCriteria.textGeneration(dir, sampling, tok).loadModel();
                        Predictor<String, String> predictor = model.newPredictor()) {
                    assertThat(predictor.predict(prompt)).as(dir.toString()).isEqualTo(expected);
                    assertThat(predictor.predict(prompt)).isEqualTo(expected); // seeded: repeatable
                }
            }
        }
    }

    @Test
    void theTwoArgumentCriteriaUseTheFoldersTokenizerAndItsEndIds() throws Exception {
        TinyGpt2Fixture fx = TinyGpt2Fixture.load();
        SamplingConfig sampling = SamplingConfig.greedy(20);
        String prompt = "Every effort moves you";
        String expected;
        try (Tokenizer tok = dev.jgpt.model.tokenizer.Tokenizers.forModel(fx.dir);
                LanguageModel lm = LanguageModel.load(fx.dir)) {
            assertThat(tok.endIds()).isNotEmpty();
            expected = new TextGenerator(lm, tok).generate(prompt, sampling.withEndIdsOf(tok), null);
        }
        try (ZooModel<String, String> model = GenerationCriteria.textGeneration(fx.dir, sampling).loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            assertThat(predictor.predict(prompt)).isEqualTo(expected);
        }
    }
}
