package dev.jgpt.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.testing.FloatArrays;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JgptCheckpointTest {

    @TempDir Path tmp;

    private static Device device() {
        return Engine.getInstance().defaultDevice();
    }

    private static float[] logits(LanguageModel lm) {
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(new long[] {464, 3290, 318, 257, 1332, 13}).reshape(1, 6);
            return lm.logits(ids).toFloatArray();
        }
    }

    @Test
    void roundTripsBitForBit() {
        GptConfig cfg = GptConfig.tiny().withTiedEmbeddings(false).withQkvBias(false);
        Path dir = tmp.resolve("ckpt");
        try (LanguageModel original = LanguageModel.create(cfg, device(), 42)) {
            original.save(dir);
            try (LanguageModel loaded = LanguageModel.load(dir)) {
                assertThat(loaded.config()).isEqualTo(cfg);
                Map<String, Parameter> a = original.block().namedParameters();
                Map<String, Parameter> b = loaded.block().namedParameters();
                assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
                for (String name : a.keySet()) {
                    float[] x = a.get(name).getArray().toFloatArray();
                    float[] y = b.get(name).getArray().toFloatArray();
                    assertThat(Arrays.equals(x, y)).as(name).isTrue();
                }
                FloatArrays.assertBitEqual(logits(loaded), logits(original));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("config.json", JgptCheckpoint.PARAMS_FILE);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sameSeedSameWeights() {
        try (LanguageModel a = LanguageModel.create(GptConfig.tiny(), device(), 5);
                LanguageModel b = LanguageModel.create(GptConfig.tiny(), device(), 5);
                LanguageModel c = LanguageModel.create(GptConfig.tiny(), device(), 6)) {
            assertThat(logits(b)).containsExactly(logits(a));
            assertThat(logits(c)).isNotEqualTo(logits(a));
        }
    }

    @Test
    void truncatedParamsFileIsReported() throws IOException {
        Path dir = tmp.resolve("ckpt");
        try (LanguageModel lm = LanguageModel.create(GptConfig.tiny(), device(), 1)) {
            lm.save(dir);
        }
        Path params = dir.resolve(JgptCheckpoint.PARAMS_FILE);
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void configThatDoesNotMatchTheParamsNamesTensorAndShapes() throws IOException {
        Path dir = tmp.resolve("ckpt");
        GptConfig cfg = GptConfig.tiny();
        try (LanguageModel lm = LanguageModel.create(cfg, device(), 1)) {
            lm.save(dir);
        }
        // Claim a shorter context: wpe in the file is (64, 32), the config now wants (32, 32).
        Files.writeString(dir.resolve("config.json"), cfg.withContextLength(32).toJson());
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'wpe.weight' has shape (64, 32)")
                .hasMessageContaining("config expects (32, 32)");
        // Claim an extra layer: the file runs out.
        Files.writeString(dir.resolve("config.json"),
                new GptConfig(cfg.vocabSize(), cfg.contextLength(), cfg.embedDim(), cfg.numHeads(),
                        cfg.numLayers() + 1, cfg.dropRate(), cfg.qkvBias(), cfg.tieEmbeddings(),
                        cfg.layerNormEps()).toJson());
        assertThatThrownBy(() -> LanguageModel.load(dir)).isInstanceOf(CheckpointException.class);
    }

    @Test
    void saveReplacesAnOlderCheckpointAndLeavesNoTemporaryFiles() throws IOException {
        Path dir = tmp.resolve("ckpt");
        try (LanguageModel a = LanguageModel.create(GptConfig.tiny(), device(), 1);
                LanguageModel b = LanguageModel.create(GptConfig.tiny(), device(), 2)) {
            a.save(dir);
            b.save(dir);
            try (LanguageModel loaded = LanguageModel.load(dir)) {
                FloatArrays.assertBitEqual(logits(loaded), logits(b));
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
    }
}
