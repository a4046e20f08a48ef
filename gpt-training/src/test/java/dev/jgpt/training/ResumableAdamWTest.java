package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumableAdamWTest {

    @TempDir Path tmp;

    @Test
    void oneUpdateIsTorchsAdamW() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = {0.5f, -1.0f, 2.0f};
            float[] g = {0.1f, -0.3f, 0.02f};
            float lr = 0.01f;
            float wd = 0.1f;
            ResumableAdamW opt = ResumableAdamW.builder()
                    .optLearningRateTracker(ai.djl.training.tracker.Tracker.fixed(lr))
                    .optWeightDecays(wd).build();
            NDArray w = m.create(w0);
            for (int t = 1; t <= 2; t++) {
                opt.update("p", w, m.create(g));
            }
            // torch.optim.AdamW, two steps with the same gradient
            double b1 = 0.9;
            double b2 = 0.999;
            double[] mean = new double[3];
            double[] var = new double[3];
            double[] want = new double[3];
            for (int i = 0; i < 3; i++) {
                want[i] = w0[i];
            }
            for (int t = 1; t <= 2; t++) {
                for (int i = 0; i < 3; i++) {
                    want[i] *= 1 - lr * wd;
                    mean[i] = b1 * mean[i] + (1 - b1) * g[i];
                    var[i] = b2 * var[i] + (1 - b2) * g[i] * g[i];
                    double mHat = mean[i] / (1 - Math.pow(b1, t));
                    double vHat = var[i] / (1 - Math.pow(b2, t));
                    want[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
                }
            }
            float[] got = w.toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertThat((double) got[i]).isCloseTo(want[i], within(1e-6));
            }
            assertThat(opt.updates()).isEqualTo(2);
        }
    }

    private static Trainer trainer(LanguageModel lm, ResumableAdamW opt) {
        Trainer t = lm.model().newTrainer(new DefaultTrainingConfig(new CausalLmLoss()).optOptimizer(opt));
        t.initialize(new Shape(2, 8));
        return t;
    }

    private static void steps(Trainer trainer, int from, int to) {
        for (int s = from; s < to; s++) {
            Random r = new Random(1000 + s); // the batch of step s, whoever runs it
            long[] ids = new long[2 * 9];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(2000);
            }
            try (NDManager m = trainer.getManager().newSubManager();
                    GradientCollector gc = trainer.newGradientCollector()) {
                NDArray tokens = m.create(ids).reshape(2, 9);
                NDList logits = trainer.forward(new NDList(tokens.get(":, :8")));
                gc.backward(trainer.getLoss().evaluate(new NDList(tokens.get(":, 1:")), logits));
                trainer.step();
            }
        }
    }

    @Test
    void savedStateResumesToTheSameWeightsAsAnUninterruptedRun() throws Exception {
        GptConfig cfg = GptConfig.tiny().withDropRate(0f);
        float lr = 3e-3f;
        Path start = tmp.resolve("start");
        try (LanguageModel lm = LanguageModel.create(cfg, Engine.getInstance().defaultDevice(), 9)) {
            lm.save(start);
        }
        // uninterrupted: 6 steps
        float[] straight;
        try (LanguageModel lm = LanguageModel.load(start)) {
            ResumableAdamW opt = ResumableAdamW.builder()
                    .optLearningRateTracker(new WarmupCosineTracker(1e-4f, lr, 1e-5f, 2, 6)).build();
            try (Trainer t = trainer(lm, opt)) {
                steps(t, 0, 6);
            }
            straight = lm.block().namedParameters().get("wte.weight").getArray().toFloatArray();
        }
        // interrupted after 3: save model + optimizer, then a fresh process-like restart
        Path mid = tmp.resolve("mid");
        byte[] state;
        try (LanguageModel lm = LanguageModel.load(start)) {
            ResumableAdamW opt = ResumableAdamW.builder()
                    .optLearningRateTracker(new WarmupCosineTracker(1e-4f, lr, 1e-5f, 2, 6)).build();
            try (Trainer t = trainer(lm, opt)) {
                steps(t, 0, 3);
            }
            lm.save(mid);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            opt.save(lm.block().namedParameters(), new DataOutputStream(bytes));
            state = bytes.toByteArray();
            assertThat(opt.updates()).isEqualTo(3);
        }
        float[] resumed;
        try (LanguageModel lm = LanguageModel.load(mid)) {
            ResumableAdamW opt = ResumableAdamW.builder()
                    .optLearningRateTracker(new WarmupCosineTracker(1e-4f, lr, 1e-5f, 2, 6))
                    .optBeginNumUpdate(3).build();
            Map<String, Parameter> params = lm.block().namedParameters();
            int saved = opt.load(params, lm.manager(), new DataInputStream(new ByteArrayInputStream(state)));
            assertThat(saved).isEqualTo(3);
            try (Trainer t = trainer(lm, opt)) {
                steps(t, 3, 6);
            }
            resumed = lm.block().namedParameters().get("wte.weight").getArray().toFloatArray();
        }
        dev.jgpt.model.testing.FloatArrays.assertBitEqual(resumed, straight);
        try (LanguageModel lm = LanguageModel.load(start)) {
            float[] initial = lm.block().namedParameters().get("wte.weight").getArray().toFloatArray();
            assertThat(dev.jgpt.model.testing.FloatArrays.maxAbsDiff(initial, straight))
                    .as("training moved the weights").isGreaterThan(1e-4);
        }
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        WarmupCosineTracker t = new WarmupCosineTracker(1e-5f, 1e-3f, 1e-4f, 10, 110);
        assertThat(t.getNewValue(1)).isEqualTo(1e-5f);
        assertThat((double) t.getNewValue(6)).isCloseTo(1e-5 + (1e-3 - 1e-5) * 5 / 10, within(1e-9));
        assertThat((double) t.getNewValue(11)).isCloseTo(1e-3, within(1e-9));
        assertThat((double) t.getNewValue(61)).isCloseTo(1e-4 + 0.5 * (1e-3 - 1e-4), within(1e-9));
        assertThat((double) t.getNewValue(111)).isCloseTo(1e-4, within(1e-9));
        assertThat((double) t.getNewValue(500)).isCloseTo(1e-4, within(1e-9));
    }
}
