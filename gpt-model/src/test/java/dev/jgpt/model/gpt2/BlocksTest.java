package dev.jgpt.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.CausalMask;
import dev.jgpt.model.nn.Gelu;
import dev.jgpt.model.nn.LayerNorm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BlocksTest {

    private NDManager manager;
    private ParameterStore ps;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(7);
        ps = new ParameterStore(manager, false);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void layerNormNormalisesTheLastAxisOnly() {
        LayerNorm ln = new LayerNorm(5, 1e-5f);
        ln.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 5));
        ln.weight().getArray().set(new float[] {1, 2, 3, 4, 5});
        ln.bias().getArray().set(new float[] {0.5f, 0, 0, 0, -0.5f});
        float[] row = {1f, 2f, 4f, 8f, 16f};
        NDArray x = manager.create(row).reshape(1, 1, 5).tile(new long[] {2, 3, 1});
        x = x.mul(manager.arange(6).toType(DataType.FLOAT32, false).add(1).reshape(2, 3, 1));
        float[] out = ln.forward(ps, x, false).toFloatArray();
        // Reference: biased variance over the 5 values of the first row.
        double mean = (1 + 2 + 4 + 8 + 16) / 5.0;
        double var = 0;
        for (float v : row) {
            var += (v - mean) * (v - mean);
        }
        var /= 5;
        for (int i = 0; i < 5; i++) {
            double want = (row[i] - mean) / Math.sqrt(var + 1e-5) * (i + 1) + (i == 0 ? 0.5 : i == 4 ? -0.5 : 0);
            assertThat((double) out[i]).isCloseTo(want, within(1e-4));
        }
        // Scaling a row does not change its normalised values (up to eps).
        for (int i = 0; i < 5; i++) {
            assertThat(out[5 * 5 + i]).isCloseTo(out[i], within(1e-3f));
        }
    }

    @Test
    void geluIsTheTanhApproximation() {
        float[] xs = {-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f};
        float[] out = Gelu.gelu(manager.create(xs)).toFloatArray();
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            assertThat((double) out[i]).isCloseTo(want, within(1e-6));
        }
        // The tanh form differs from the exact erf GELU at x = 1 (0.841345): prove we are not it.
        assertThat((double) out[5]).isCloseTo(0.8411920, within(1e-6));
    }

    @Test
    void feedForwardKeepsTheShapeAndExpandsFourTimes() {
        FeedForward ff = new FeedForward(8, 0.02f);
        ff.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 8));
        assertThat(ff.cFc().weight().getArray().getShape()).isEqualTo(new Shape(32, 8));
        assertThat(ff.cProj().weight().getArray().getShape()).isEqualTo(new Shape(8, 32));
        NDArray y = ff.forward(ps, manager.randomNormal(new Shape(2, 3, 8)), false);
        assertThat(y.getShape()).isEqualTo(new Shape(2, 3, 8));
    }

    @Test
    void attentionIsCausal() {
        CausalSelfAttention attn = new CausalSelfAttention(16, 4, true, 0f, 0.02f);
        attn.initialize(manager, DataType.FLOAT32, new Shape(1, 6, 16));
        NDArray x = manager.randomNormal(new Shape(1, 6, 16));
        NDArray changed = x.duplicate();
        changed.set(new ai.djl.ndarray.index.NDIndex("0, 5, :"), 100f); // change only the last token
        float[] a = attn.forward(ps, x, false).get("0, :5, :").toFloatArray();
        float[] b = attn.forward(ps, changed, false).get("0, :5, :").toFloatArray();
        assertThat(b).containsExactly(a, within(0f));
        float[] lastA = attn.forward(ps, x, false).get("0, 5, :").toFloatArray();
        float[] lastB = attn.forward(ps, changed, false).get("0, 5, :").toFloatArray();
        assertThat(lastB).isNotEqualTo(lastA);
    }

    @Test
    void causalMaskBlocksTheFutureOnly() {
        float[] m = CausalMask.additive(manager, 3, 5, 2).toFloatArray();
        // queries at positions 2, 3, 4 over keys 0..4
        float ninf = Float.NEGATIVE_INFINITY;
        assertThat(m).containsExactly(0, 0, 0, ninf, ninf, 0, 0, 0, 0, ninf, 0, 0, 0, 0, 0);
    }

    @Test
    void modelProducesLogitsAndRejectsTooLongInput() {
        GptConfig cfg = GptConfig.tiny();
        GptModel gpt = new GptModel(cfg);
        gpt.initialize(manager);
        NDArray ids = manager.create(new long[] {1, 2, 3, 4, 5, 6}).reshape(2, 3);
        assertThat(gpt.forward(ps, ids, false).getShape()).isEqualTo(new Shape(2, 3, cfg.vocabSize()));
        NDArray tooLong = manager.zeros(new Shape(1, cfg.contextLength() + 1), DataType.INT64);
        assertThatThrownBy(() -> gpt.forward(ps, tooLong, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds the model's context length " + cfg.contextLength());
    }

    @Test
    void initialisedCountEqualsTheFormulaAndNamesCoverEveryParameter() {
        for (GptConfig cfg :
                new GptConfig[] {
                    GptConfig.tiny(), GptConfig.tiny().withTiedEmbeddings(false).withQkvBias(false)
                }) {
            GptModel gpt = new GptModel(cfg);
            gpt.initialize(manager);
            long allocated =
                    gpt.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertThat(allocated).isEqualTo(cfg.parameterCount());
            assertThat(gpt.namedParameters().values())
                    .containsExactlyInAnyOrderElementsOf(gpt.getParameters().values());
        }
    }

    @Test
    void dropoutOnlyActsWhileTraining() {
        GptConfig cfg = GptConfig.tiny().withDropRate(0.5f);
        GptModel gpt = new GptModel(cfg);
        gpt.initialize(manager);
        NDArray ids = manager.create(new long[] {5, 6, 7, 8}).reshape(1, 4);
        float[] eval1 = gpt.forward(ps, ids, false).toFloatArray();
        float[] eval2 = gpt.forward(ps, ids, false).toFloatArray();
        assertThat(eval2).containsExactly(eval1, within(0f));
        float[] train;
        // training-mode ops run inside a gradient collector (MXNet insists; PyTorch does not mind)
        try (ai.djl.training.GradientCollector gc = manager.getEngine().newGradientCollector()) {
            train = gpt.forward(ps, ids, true).toFloatArray();
        }
        assertThat(train).isNotEqualTo(eval1);
    }
}
