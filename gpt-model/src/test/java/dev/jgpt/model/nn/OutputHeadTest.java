package dev.jgpt.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A decode step's few rows go through the head as {@code (W x^T)^T} (faster on CPU BLAS): the
 * logits are those of each row alone and of a plain {@code x W^T}, to float rounding, for a tied
 * and an untied head.
 */
class OutputHeadTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void fewRowsGiveEachRowsLogits(boolean tied) {
        try (LanguageModel lm = tied ? LanguageModel.load(TinyGpt2Fixture.load().dir)
                : LanguageModel.create(GptConfig.preset("tiny").withDropRate(0f).withTiedEmbeddings(false),
                        ai.djl.Device.cpu(), 3);
                NDManager scope = lm.manager().newSubManager()) {
            CausalLm model = lm.block();
            assertThat(model.config().tieEmbeddings()).isEqualTo(tied);
            ParameterStore ps = new ParameterStore(lm.manager(), false);
            int before = ((ai.djl.ndarray.BaseNDManager) lm.manager()).getManagedArrays().size();
            int c = model.config().hiddenSize();
            NDArray rows = scope.randomNormal(new Shape(5, c));
            float[] together = model.head(ps, rows, false).toFloatArray();
            float[] plain = model.head(ps, rows.reshape(5, 1, c), false).toFloatArray(); // 3-D: x W^T
            int v = model.config().vocabSize();
            assertThat(together).hasSize(5 * v);
            for (int i = 0; i < 5; i++) {
                float[] alone = model.head(ps, rows.get(i).reshape(1, c), false).toFloatArray();
                float[] row = java.util.Arrays.copyOfRange(together, i * v, (i + 1) * v);
                assertThat(FloatArrays.maxAbsDiff(row, alone)).as("row %d", i).isLessThan(1e-4f);
            }
            assertThat(FloatArrays.maxAbsDiff(together, plain)).isLessThan(1e-4f);
            scope.close();
            assertThat(((ai.djl.ndarray.BaseNDManager) lm.manager()).getManagedArrays())
                    .as("the head's temporaries live on the input's manager").hasSize(before);
        }
    }
}
