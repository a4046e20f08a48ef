package dev.jgpt.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.Gpt2Family;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFamiliesTest {

    @TempDir Path tmp;

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    @Test
    void theModelTypePicksTheFamily() {
        assertThat(ModelFamilies.knownTypes()).contains("gpt2");
        assertThat(ModelFamilies.of(json("{\"model_type\": \"gpt2\"}"))).isSameAs(Gpt2Family.INSTANCE);
        // the book's config dictionaries and older jgpt checkpoints have no model_type
        assertThat(ModelFamilies.of(json("{\"emb_dim\": 64}"))).isSameAs(Gpt2Family.INSTANCE);
        assertThat(ModelFamilies.of(GptConfig.tiny())).isSameAs(Gpt2Family.INSTANCE);
    }

    @Test
    void anUnknownModelTypeIsOneErrorListingTheKnownOnes() throws IOException {
        assertThatThrownBy(() -> ModelFamilies.of(json("{\"model_type\": \"mamba\"}")))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("model_type 'mamba' is not supported; known: " + String.join(", ", ModelFamilies.knownTypes()));
        assertThatThrownBy(() -> ModelFamilies.of(json("{\"model_type\": 7}")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model_type must be a string");
        Path dir = TestData.modelFolder("tiny-gpt2", tmp);
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"gpt2\"", "\"mamba\""));
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("model_type 'mamba' is not supported; known: gpt2");
    }

    @Test
    void aJgptCheckpointNamesItsFamily() throws IOException {
        GptConfig cfg = GptConfig.tiny();
        assertThat(json(cfg.toJson()).get("model_type").getAsString()).isEqualTo("gpt2");
        assertThat(json(cfg.toJson()).get("format").getAsString()).isEqualTo("jgpt");
        assertThat(Gpt2Family.INSTANCE.parseConfig(json(cfg.toJson()))).isEqualTo(cfg);
        try (LanguageModel lm = LanguageModel.create(cfg, ai.djl.Device.cpu(), 1)) {
            lm.save(tmp.resolve("saved"));
        }
        assertThat(Checkpoints.readConfig(tmp.resolve("saved"))).isEqualTo(cfg);
    }

    /** A family registered from outside the library is found by its model_type. */
    @Test
    void aRegisteredFamilyIsFound() {
        ModelFamily custom = new ModelFamily() {
            @Override
            public String modelType() {
                return "test-family";
            }

            @Override
            public ModelConfig parseConfig(JsonObject json) {
                return GptConfig.tiny();
            }

            @Override
            public CausalLm newModel(ModelConfig config, boolean withLmHead) {
                return Gpt2Family.INSTANCE.newModel(config, withLmHead);
            }

            @Override
            public void loadWeights(CausalLm model, NDManager manager, Path dir) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void saveHuggingFace(CausalLm model, Path dir, ai.djl.ndarray.types.DataType dtype,
                    long maxShardBytes) {
                throw new UnsupportedOperationException();
            }
        };
        ModelFamilies.register(custom);
        assertThat(ModelFamilies.knownTypes()).contains("test-family", "gpt2");
        assertThat(ModelFamilies.of(json("{\"model_type\": \"test-family\"}"))).isSameAs(custom);
    }
}
