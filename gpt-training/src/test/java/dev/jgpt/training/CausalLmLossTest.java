package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CausalLmLossTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(11);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Mean of -log softmax(row)[target] over rows whose target is not -100. */
    private static double reference(float[] logits, long[] targets, int vocab) {
        double total = 0;
        int n = 0;
        for (int r = 0; r < targets.length; r++) {
            if (targets[r] == -100) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[r * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[r * vocab + v] - max);
            }
            total += -(logits[r * vocab + (int) targets[r]] - max - Math.log(sum));
            n++;
        }
        return n == 0 ? 0 : total / n;
    }

    @Test
    void matchesCrossEntropyWithBatchNotEqualToTime() {
        int b = 2;
        int t = 3;
        int v = 7;
        NDArray logits = manager.randomNormal(new Shape(b, t, v));
        long[] targets = {1, 6, 0, 3, 3, 5};
        float loss = new CausalLmLoss().evaluate(
                new NDList(manager.create(targets).reshape(b, t)), new NDList(logits)).getFloat();
        assertThat((double) loss).isCloseTo(reference(logits.toFloatArray(), targets, v), within(1e-5));
    }

    @Test
    void ignoredTargetsContributeNothing() {
        int v = 5;
        NDArray logits = manager.randomNormal(new Shape(1, 4, v));
        long[] targets = {2, -100, 4, -100};
        CausalLmLoss loss = new CausalLmLoss();
        float a = loss.evaluate(new NDList(manager.create(targets).reshape(1, 4)), new NDList(logits)).getFloat();
        assertThat((double) a).isCloseTo(reference(logits.toFloatArray(), targets, v), within(1e-5));
        // changing the logits at ignored positions changes nothing
        NDArray changed = logits.duplicate();
        changed.set(new ai.djl.ndarray.index.NDIndex("0, 1, :"), 50f);
        changed.set(new ai.djl.ndarray.index.NDIndex("0, 3, 0"), -30f);
        float b = loss.evaluate(new NDList(manager.create(targets).reshape(1, 4)), new NDList(changed)).getFloat();
        assertThat(b).isEqualTo(a);
        // all ignored: zero, not NaN
        float none = loss.evaluate(new NDList(manager.create(new long[] {-100, -100}).reshape(1, 2)),
                new NDList(manager.randomNormal(new Shape(1, 2, v)))).getFloat();
        assertThat(none).isZero();
    }

    @Test
    void ignoredTargetsGetNoGradient() {
        int v = 6;
        NDArray logits = manager.randomNormal(new Shape(1, 3, v));
        logits.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = new CausalLmLoss().evaluate(
                    new NDList(manager.create(new long[] {1, -100, 2}).reshape(1, 3)), new NDList(logits));
            gc.backward(l);
        }
        float[] grad = logits.getGradient().toFloatArray();
        for (int j = 0; j < v; j++) {
            assertThat(grad[v + j]).as("position 1 is ignored").isZero();
            assertThat(grad[j]).isNotZero();
        }
        assertThat(logits.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
    }
}
