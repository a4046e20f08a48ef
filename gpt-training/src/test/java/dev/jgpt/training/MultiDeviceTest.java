package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device settings of data-parallel training. Two devices need GPUs (DJL counts every CPU as
 * one device), so the split itself is exercised by {@code scripts/gpu-check.sh} on a multi-GPU
 * machine; here: one explicit device changes nothing, and impossible settings are refused.
 */
class MultiDeviceTest {

    @TempDir Path tmp;

    private static float[] weights(LanguageModel lm) {
        return lm.block().namedParameters().get("h.1.mlp.c_fc.weight").getArray().toFloatArray();
    }

    @Test
    void oneExplicitDeviceTrainsAsBefore() throws Exception {
        String text = Files.readString(TestData.dataset("the-verdict.txt")).substring(0, 4000);
        try (Gpt2Tokenizer tokenizer = Gpt2Tokenizer.builtIn()) {
            long[] ids = tokenizer.encode(text);
            int cut = (int) (ids.length * 0.9);
            long[] train = Arrays.copyOfRange(ids, 0, cut);
            long[] val = Arrays.copyOfRange(ids, cut, ids.length);
            PretrainConfig cfg = PretrainConfig.builder().epochs(1).batchSize(4).contextLength(32)
                    .learningRate(2e-3f).evaluation(100, 1).sample("Every effort moves you", 0).seed(7).build();
            GptConfig model = GptConfig.tiny().withContextLength(32);
            float[] plain;
            try (LanguageModel lm = LanguageModel.create(model, Device.cpu(), 3, InitStyle.GPT2)) {
                new Pretrainer(cfg, tokenizer, tmp.resolve("plain"), null).train(lm, train, val, null);
                plain = weights(lm);
            }
            try (LanguageModel lm = LanguageModel.create(model, Device.cpu(), 3, InitStyle.GPT2)) {
                new Pretrainer(cfg, tokenizer, tmp.resolve("explicit"), null).withDevices(Device.cpu())
                        .train(lm, train, val, null);
                FloatArrays.assertBitEqual(weights(lm), plain);
            }
        }
    }

    @Test
    void devicesMustDiffer() {
        assertThatThrownBy(() -> new Pretrainer(PretrainConfig.book(), null, tmp, null)
                .withDevices(Device.of("cpu", 0), Device.of("cpu", 1)))
                .hasMessageContaining("Devices must differ").hasMessageContaining("needs GPUs");
    }

    @Test
    void clippingAcrossDevicesIsRefused() {
        PretrainConfig clipped = PretrainConfig.builder().learningRate(1e-3f).gradClip(1.0).build();
        assertThatThrownBy(() -> new Pretrainer(clipped, null, tmp, null)
                .withDevices(Device.gpu(0), Device.gpu(1)))
                .hasMessageContaining("clipping is not supported across several devices");
    }
}
