package dev.jgpt.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.gpt2.GptModel;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.LoraAdapter;
import dev.jgpt.model.testing.FloatArrays;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraTest {

    @TempDir Path tmp;

    private static final GptConfig CFG = GptConfig.tiny().withTiedEmbeddings(false);

    private static Device device() {
        return Engine.getInstance().defaultDevice();
    }

    private static float[] logits(LanguageModel lm) {
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(new long[] {464, 3290, 318, 257, 1332, 13, 40, 2}).reshape(2, 4);
            return lm.logits(ids).toFloatArray();
        }
    }

    /** Gives every B a random value, as training would, so the adapters change the output. */
    private static void perturb(dev.jgpt.model.nn.CausalLm gpt, NDManager manager) {
        manager.getEngine().setRandomSeed(7);
        for (Parameter p : Lora.adapterParameters(gpt).values()) {
            if (p.getName().equals("lora_B")) {
                try (NDArray r = manager.randomNormal(0f, 0.05f, p.getShape(), p.getArray().getDataType())) {
                    r.copyTo(p.getArray());
                }
            }
        }
    }

    @Test
    void freshAdaptersChangeNothingAndOnlyAdaptersAreTrainable() {
        try (LanguageModel lm = LanguageModel.create(CFG, device(), 1)) {
            float[] before = logits(lm);
            Map<String, LoraAdapter> adapters = Lora.apply(lm.block(), new LoraConfig(4, 8), lm.manager());
            assertThat(adapters).hasSize(4 * CFG.numLayers()).containsKey("h.1.attn.c_attn");
            FloatArrays.assertBitEqual(logits(lm), before);
            long adapterParams = Lora.adapterParameters(lm.block()).values().stream()
                    .mapToLong(p -> p.getShape().size()).sum();
            assertThat(Lora.trainableParameterCount(lm.block())).isEqualTo(adapterParams);
            lm.block().namedParameters().values().forEach(p -> assertThat(p.requiresGradient()).isFalse());
        }
    }

    @Test
    void mergedWeightsGiveTheAdapterForward() {
        try (LanguageModel lm = LanguageModel.create(CFG, device(), 2)) {
            float[] base = logits(lm);
            Lora.apply(lm.block(), new LoraConfig(4, 8), lm.manager());
            perturb(lm.block(), lm.manager());
            float[] adapted = logits(lm);
            assertThat(FloatArrays.maxAbsDiff(adapted, base)).isGreaterThan(1e-3);
            Lora.merge(lm.block());
            assertThat(Lora.adapters(lm.block())).isEmpty();
            assertThat(lm.block().getChildren().size()).isEqualTo(new GptModel(CFG).getChildren().size());
            assertThat(FloatArrays.maxAbsDiff(logits(lm), adapted)).isLessThan(1e-4);
            // the merged model saves as a plain checkpoint
            lm.save(tmp.resolve("merged"));
            try (LanguageModel loaded = LanguageModel.load(tmp.resolve("merged"), device())) {
                FloatArrays.assertBitEqual(logits(loaded), logits(lm));
            }
        }
    }

    @Test
    void groupedAdapterEqualsThreeSeparateOnes() {
        try (NDManager m = NDManager.newBaseManager(device())) {
            m.getEngine().setRandomSeed(3);
            int in = 6;
            int out = 9;
            int r = 2;
            LoraAdapter fused = new LoraAdapter(in, out, r, 4f, 3);
            fused.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, in));
            NDArray b = m.randomNormal(new Shape(out, r));
            b.copyTo(fused.b().getArray());
            NDArray x = m.randomNormal(new Shape(5, in));
            ParameterStore ps = new ParameterStore(m, false);
            float[] got = fused.forward(ps, x, false).toFloatArray();
            NDArray a = fused.a().getArray();
            NDArray[] parts = new NDArray[3];
            for (int g = 0; g < 3; g++) {
                NDArray ag = a.get(g * r + ":" + (g + 1) * r); // (r, in)
                NDArray bg = b.get(g * 3 + ":" + (g + 1) * 3); // (out/3, r)
                parts[g] = x.matMul(ag.transpose()).matMul(bg.transpose()).mul(2f); // alpha/r = 2
            }
            float[] want = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts), 1).toFloatArray();
            assertThat(FloatArrays.maxAbsDiff(got, want)).isLessThan(1e-5);
            // and the dense update agrees with the forward
            float[] dense = x.matMul(fused.delta(a, b).transpose()).toFloatArray();
            assertThat(FloatArrays.maxAbsDiff(dense, want)).isLessThan(1e-5);
        }
    }

    @Test
    void countsTheBooksTrainableParametersFor124mWithoutAllocating() {
        GptModel gpt = new GptModel(GptConfig.gpt2Small(), false);
        Lora.apply(gpt, new LoraConfig(16, 16), null);
        long blocks = Lora.trainableParameterCount(gpt);
        // per block: q, k, v, out_proj 4 x (768x16 + 16x768), fc 768x16 + 16x3072, proj 3072x16 + 16x768
        assertThat(blocks).isEqualTo(2_654_208L);
        // the book (appendix E) also puts an adapter on its 2-class out_head: 768x16 + 16x2
        assertThat(blocks + 768 * 16 + 16 * 2).isEqualTo(2_666_528L);
    }

    @Test
    void adaptersSaveAndLoadSeparately() {
        Path dir = tmp.resolve("adapters");
        float[] adapted;
        try (LanguageModel lm = LanguageModel.create(CFG, device(), 4)) {
            Lora.apply(lm.block(), new LoraConfig(4, 8), lm.manager());
            perturb(lm.block(), lm.manager());
            adapted = logits(lm);
            Lora.save(lm.block(), new LoraConfig(4, 8), dir);
        }
        try (LanguageModel lm = LanguageModel.create(CFG, device(), 4)) {
            assertThat(Lora.load(lm.block(), dir, lm.manager())).isEqualTo(new LoraConfig(4, 8));
            FloatArrays.assertBitEqual(logits(lm), adapted);
        }
        GptConfig wider = new GptConfig(CFG.vocabSize(), CFG.contextLength(), 64, CFG.numHeads(),
                CFG.numLayers(), CFG.dropRate(), CFG.qkvBias(), CFG.tieEmbeddings(), CFG.layerNormEps());
        try (LanguageModel lm = LanguageModel.create(wider, device(), 4)) {
            assertThatThrownBy(() -> Lora.load(lm.block(), dir, lm.manager()))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight'")
                    .hasMessageContaining("(12, 32)")
                    .hasMessageContaining("(12, 64)");
            // and the model is left as it was: no adapters, nothing frozen
            assertThat(Lora.adapters(lm.block())).isEmpty();
            assertThat(Lora.trainableParameterCount(lm.block())).isEqualTo(((GptModel) lm.block()).parameterCount());
            assertThat(((GptModel) lm.block()).blocks().get(0).attn().cAttn().getChildren().isEmpty()).isTrue();
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new LoraConfig(0, 1)).hasMessageContaining("rank");
        assertThatThrownBy(() -> new LoraConfig(4, -1)).hasMessageContaining("alpha");
        Linear l = new Linear(4, 4, false, 0.02f);
        l.attachLora(2, 2, 1, null);
        assertThatThrownBy(() -> l.attachLora(2, 2, 1, null)).hasMessageContaining("already");
    }
}
