package dev.jgpt.model.attention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.gpt2.CausalSelfAttention;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The book's chapter 3 path, checked against its printed numbers where it prints them. */
class AttentionPathTest {

    /** "Your journey starts with one step", the book's 3-d embeddings. */
    private static final float[] INPUTS = {
        0.43f, 0.15f, 0.89f,
        0.55f, 0.87f, 0.66f,
        0.57f, 0.85f, 0.64f,
        0.22f, 0.58f, 0.33f,
        0.77f, 0.25f, 0.10f,
        0.05f, 0.80f, 0.55f
    };

    private NDManager manager;
    private ParameterStore ps;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(123);
        ps = new ParameterStore(manager, false);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray inputs() {
        return manager.create(INPUTS).reshape(1, 6, 3);
    }

    @Test
    void simpleSelfAttentionReproducesTheBook() {
        NDArray x = inputs();
        float[] weights = SimpleSelfAttention.weights(x).get("0, 1, :").toFloatArray();
        assertThat(weights)
                .containsExactly(
                        new float[] {0.1385f, 0.2379f, 0.2333f, 0.1240f, 0.1082f, 0.1581f},
                        within(1e-4f));
        NDArray context =
                new SimpleSelfAttention().forward(ps, new NDList(x), false).singletonOrThrow();
        assertThat(context.get("0, 0, :").toFloatArray())
                .containsExactly(new float[] {0.4421f, 0.5931f, 0.5790f}, within(1e-4f));
        assertThat(context.get("0, 1, :").toFloatArray())
                .containsExactly(new float[] {0.4419f, 0.6515f, 0.5683f}, within(1e-4f));
    }

    @Test
    void selfAttentionWithWeightsMatchesAHandComputation() {
        SelfAttention sa = new SelfAttention(3, 2, false);
        sa.initialize(manager, DataType.FLOAT32, new Shape(1, 6, 3));
        NDArray x = inputs();
        NDArray q = x.matMul(sa.wQuery().weight().getArray().transpose());
        NDArray k = x.matMul(sa.wKey().weight().getArray().transpose());
        NDArray v = x.matMul(sa.wValue().weight().getArray().transpose());
        NDArray want = q.matMul(k.transpose(0, 2, 1)).div((float) Math.sqrt(2)).softmax(2).matMul(v);
        assertThat(sa.forward(ps, x, false).toFloatArray())
                .containsExactly(want.toFloatArray(), within(1e-6f));
    }

    @Test
    void causalAttentionZeroesTheFutureAndRowsSumToOne() {
        CausalAttention ca = new CausalAttention(3, 2, 6, 0.0f, false);
        ca.initialize(manager, DataType.FLOAT32, new Shape(1, 6, 3));
        randomise(ca.wQuery().weight());
        randomise(ca.wKey().weight());
        float[] w = ca.weights(ps, inputs(), false).toFloatArray();
        for (int i = 0; i < 6; i++) {
            float sum = 0;
            for (int j = 0; j < 6; j++) {
                if (j > i) {
                    assertThat(w[i * 6 + j]).isZero();
                } else {
                    assertThat(w[i * 6 + j]).isPositive();
                }
                sum += w[i * 6 + j];
            }
            assertThat(sum).isCloseTo(1f, within(1e-6f));
        }
    }

    @Test
    void causalAttentionDropsWeightsOnlyWhileTraining() {
        CausalAttention ca = new CausalAttention(3, 2, 6, 0.5f, false);
        ca.initialize(manager, DataType.FLOAT32, new Shape(1, 6, 3));
        float[] eval = ca.weights(ps, inputs(), false).toFloatArray();
        float[] train;
        // training-mode ops run inside a gradient collector (MXNet insists; PyTorch does not mind)
        try (ai.djl.training.GradientCollector gc = manager.getEngine().newGradientCollector()) {
            train = ca.weights(ps, inputs(), true).toFloatArray();
        }
        int zeroedInTraining = 0;
        for (int i = 0; i < eval.length; i++) {
            if (eval[i] > 0 && train[i] == 0) {
                zeroedInTraining++;
            } else if (eval[i] > 0) {
                assertThat(train[i]).isCloseTo(eval[i] * 2, within(1e-6f)); // scaled by 1/(1-p)
            }
        }
        assertThat(zeroedInTraining).isPositive();
    }

    @Test
    void wrapperAndEfficientMultiHeadAgreeWithTheSameWeights() {
        int c = 12;
        int heads = 3;
        int d = c / heads;
        Shape in = new Shape(2, 5, c);
        MultiHeadAttentionWrapper wrapper = new MultiHeadAttentionWrapper(c, d, 5, 0f, heads, true);
        wrapper.initialize(manager, DataType.FLOAT32, in);
        for (CausalAttention head : wrapper.heads()) {
            for (Parameter p : head.getParameters().values()) {
                randomise(p);
            }
        }
        CausalSelfAttention fused = new CausalSelfAttention(c, heads, true, 0f, 0.02f);
        fused.initialize(manager, DataType.FLOAT32, in);
        // c_attn rows: all heads' queries, then all keys, then all values.
        fused.cAttn().weight().getArray().set(stack(wrapper, h -> h.wQuery().weight(),
                h -> h.wKey().weight(), h -> h.wValue().weight()).toFloatArray());
        fused.cAttn().bias().getArray().set(stack(wrapper, h -> h.wQuery().bias(),
                h -> h.wKey().bias(), h -> h.wValue().bias()).toFloatArray());
        fused.cProj().weight().getArray().set(identity(c));
        fused.cProj().bias().getArray().set(new float[c]);

        NDArray x = manager.randomNormal(in);
        NDArray expected = wrapper.forward(ps, x, false);
        NDArray actual = fused.forward(ps, x, false);
        assertThat(actual.getShape()).isEqualTo(new Shape(2, 5, c));
        assertThat(actual.toFloatArray()).containsExactly(expected.toFloatArray(), within(1e-5f));
    }

    @SafeVarargs
    private NDArray stack(
            MultiHeadAttentionWrapper wrapper, Function<CausalAttention, Parameter>... parts) {
        NDList list = new NDList();
        for (Function<CausalAttention, Parameter> part : parts) {
            for (CausalAttention head : wrapper.heads()) {
                list.add(part.apply(head).getArray());
            }
        }
        return NDArrays.concat(list, 0);
    }

    private static float[] identity(int n) {
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) {
            eye[i * n + i] = 1f;
        }
        return eye;
    }

    private void randomise(Parameter p) {
        NDArray a = p.getArray();
        a.set(manager.randomNormal(0f, 0.5f, a.getShape(), DataType.FLOAT32).toFloatArray());
    }
}
