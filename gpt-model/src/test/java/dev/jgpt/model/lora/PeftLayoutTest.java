package dev.jgpt.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.LoraAdapter;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LoRA adapters in HF peft's file layout, for each family's fixture folder. */
class PeftLayoutTest {

    @TempDir Path tmp;

    private static LanguageModel load(String fixture) {
        return LanguageModel.load(TestData.fixture(fixture));
    }

    private static float[] logits(LanguageModel lm) {
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(new long[] {1, 7, 30, 2, 11, 5, 40, 3}).reshape(2, 4);
            return lm.logits(ids).toFloatArray();
        }
    }

    /** Gives every B a random value, as training would, so the adapters change the output. */
    private static void perturb(CausalLm model, NDManager manager) {
        manager.getEngine().setRandomSeed(7);
        for (LoraAdapter a : Lora.adapters(model).values()) {
            Parameter p = a.b();
            try (NDArray r = manager.randomNormal(0f, 0.05f, p.getShape(), p.getArray().getDataType())) {
                r.copyTo(p.getArray());
            }
        }
    }

    private static Map<String, List<Long>> shapes(Path file) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            st.tensors().forEach((k, v) -> out.put(k, java.util.Arrays.stream(v.shape()).boxed().toList()));
        }
        return out;
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path saveAdapted(String fixture, LoraConfig cfg, Path dir, float[][] adaptedOut) {
        try (LanguageModel lm = load(fixture)) {
            Lora.apply(lm.block(), cfg, lm.manager());
            perturb(lm.block(), lm.manager());
            adaptedOut[0] = logits(lm);
            Lora.save(lm.block(), cfg, dir);
        }
        return dir;
    }

    private static void assertCommonPeftFields(JsonObject c, int r, int alpha, boolean fanInFanOut) {
        assertThat(c.get("peft_type").getAsString()).isEqualTo("LORA");
        assertThat(c.get("task_type").getAsString()).isEqualTo("CAUSAL_LM");
        assertThat(c.get("r").getAsInt()).isEqualTo(r);
        assertThat(c.get("lora_alpha").toString()).isEqualTo(String.valueOf(alpha));
        assertThat(c.get("lora_dropout").getAsDouble()).isEqualTo(0.0);
        assertThat(c.get("bias").getAsString()).isEqualTo("none");
        assertThat(c.get("fan_in_fan_out").getAsBoolean()).isEqualTo(fanInFanOut);
        assertThat(c.get("modules_to_save").isJsonNull()).isTrue();
        assertThat(c.get("base_model_name_or_path").isJsonNull()).isTrue();
        assertThat(c.get("inference_mode").getAsBoolean()).isTrue();
        assertThat(c.get("use_rslora").getAsBoolean()).isFalse();
        assertThat(c.get("use_dora").getAsBoolean()).isFalse();
        assertThat(c.get("init_lora_weights").getAsBoolean()).isTrue();
        // only fields peft's LoraConfig accepts
        assertThat(c.keySet()).containsExactlyInAnyOrder("peft_type", "task_type", "base_model_name_or_path",
                "inference_mode", "r", "lora_alpha", "lora_dropout", "target_modules", "fan_in_fan_out", "bias",
                "modules_to_save", "init_lora_weights", "use_rslora", "use_dora", "rank_pattern", "alpha_pattern");
    }

    @Test
    void qwen3SavesPeftNamesShapesAndConfig() throws IOException {
        float[][] adapted = new float[1][];
        Path dir = saveAdapted("qwen3-tiny", new LoraConfig(4, 8), tmp.resolve("a"), adapted);
        assertThat(files(dir)).containsExactly("adapter_config.json", "adapter_model.safetensors");
        Map<String, List<Long>> s = shapes(dir.resolve("adapter_model.safetensors"));
        assertThat(s).hasSize(2 * 7 * 2)
                .containsEntry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", List.of(4L, 16L))
                .containsEntry("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", List.of(32L, 4L))
                .containsEntry("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight", List.of(16L, 4L))
                .containsEntry("base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight", List.of(4L, 32L))
                .containsEntry("base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight", List.of(32L, 4L))
                .containsEntry("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight", List.of(4L, 32L));
        JsonObject c = json(dir.resolve("adapter_config.json"));
        assertCommonPeftFields(c, 4, 8, false);
        assertThat(c.get("target_modules").toString())
                .isEqualTo("[\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\",\"down_proj\"]");
        assertThat(c.getAsJsonObject("rank_pattern").isEmpty()).isTrue();
        assertThat(c.getAsJsonObject("alpha_pattern").isEmpty()).isTrue();
    }

    @Test
    void llamaSavesPeftNamesAndShapes() throws IOException {
        float[][] adapted = new float[1][];
        Path dir = saveAdapted("llama32-tiny", new LoraConfig(2, 4), tmp.resolve("a"), adapted);
        Map<String, List<Long>> s = shapes(dir.resolve("adapter_model.safetensors"));
        assertThat(s).hasSize(2 * 7 * 2)
                .containsEntry("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", List.of(16L, 2L))
                .containsEntry("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight", List.of(8L, 2L))
                .containsEntry("base_model.model.model.layers.0.mlp.up_proj.lora_B.weight", List.of(40L, 2L))
                .containsEntry("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight", List.of(2L, 40L));
        assertCommonPeftFields(json(dir.resolve("adapter_config.json")), 2, 4, false);
    }

    @Test
    void gpt2SavesTheGroupedCAttnAsOneBlockDiagonalPeftAdapter() throws IOException {
        Path dir = tmp.resolve("a");
        float[] groupedB;
        try (LanguageModel lm = load("tiny-gpt2")) {
            Lora.apply(lm.block(), new LoraConfig(4, 8), lm.manager());
            perturb(lm.block(), lm.manager());
            groupedB = Lora.adapters(lm.block()).get("h.0.attn.c_attn").b().getArray().toFloatArray(); // (192, 4)
            Lora.save(lm.block(), new LoraConfig(4, 8), dir);
        }
        assertThat(files(dir)).containsExactly("adapter_config.json", "adapter_model.safetensors");
        Path weights = dir.resolve("adapter_model.safetensors");
        assertThat(shapes(weights)).hasSize(2 * 4 * 2)
                .containsEntry("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight", List.of(12L, 64L))
                .containsEntry("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight", List.of(192L, 12L))
                .containsEntry("base_model.model.transformer.h.0.attn.c_proj.lora_A.weight", List.of(4L, 64L))
                .containsEntry("base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight", List.of(256L, 4L))
                .containsEntry("base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight", List.of(4L, 256L));
        try (SafeTensors st = SafeTensors.open(weights)) {
            float[] b = st.readFloats("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight");
            for (int i = 0; i < 192; i++) {
                for (int j = 0; j < 12; j++) {
                    float want = j / 4 == i / 64 ? groupedB[i * 4 + j % 4] : 0f; // q, k, v rows on their own block
                    assertThat(b[i * 12 + j]).as("B[%d,%d]", i, j).isEqualTo(want);
                }
            }
        }
        JsonObject c = json(dir.resolve("adapter_config.json"));
        assertCommonPeftFields(c, 4, 8, true);
        assertThat(c.get("target_modules").toString()).isEqualTo("[\"c_attn\",\"c_proj\",\"c_fc\"]");
        assertThat(c.get("rank_pattern").toString()).isEqualTo("{\"c_attn\":12}");
        assertThat(c.get("alpha_pattern").toString()).isEqualTo("{\"c_attn\":24}"); // 24/12 = 8/4
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "qwen3-tiny", "llama32-tiny"})
    void saveLoadGivesBitEqualLogitsAndMergingKeepsThem(String fixture) {
        float[][] adapted = new float[1][];
        Path dir = saveAdapted(fixture, new LoraConfig(4, 8), tmp.resolve("a"), adapted);
        try (LanguageModel lm = load(fixture)) {
            float[] base = logits(lm);
            long total = Lora.trainableParameterCount(lm.block());
            assertThat(Lora.load(lm.block(), dir, lm.manager())).isEqualTo(new LoraConfig(4, 8));
            FloatArrays.assertBitEqual(logits(lm), adapted[0]);
            assertThat(FloatArrays.maxAbsDiff(adapted[0], base)).isGreaterThan(1e-3);
            assertThat(Lora.trainableParameterCount(lm.block())).isLessThan(total / 2);
            Lora.merge(lm.block());
            assertThat(Lora.adapters(lm.block())).isEmpty();
            assertThat(FloatArrays.maxAbsDiff(logits(lm), adapted[0])).isLessThan(1e-4);
        }
    }

    @Test
    void targetModulesAdaptExactlyTheNamedLayers() throws IOException {
        LoraConfig cfg = new LoraConfig(4, 8, List.of("q_proj", "v_proj"));
        Path dir = tmp.resolve("qv");
        try (LanguageModel lm = load("qwen3-tiny")) {
            assertThat(Lora.apply(lm.block(), cfg, lm.manager()).keySet()).containsExactly(
                    "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
            // per layer: q (4x16 + 32x4), v (4x16 + 16x4)
            assertThat(Lora.trainableParameterCount(lm.block())).isEqualTo(2 * (64 + 128 + 64 + 64));
            assertThat(Lora.configOf(lm.block())).isEqualTo(cfg);
            Lora.save(lm.block(), cfg, dir);
        }
        assertThat(shapes(dir.resolve(Lora.WEIGHTS_FILE)).keySet()).containsExactlyInAnyOrder(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
                "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
                "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight",
                "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight",
                "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
        assertThat(json(dir.resolve(Lora.CONFIG_FILE)).get("target_modules").toString())
                .isEqualTo("[\"q_proj\",\"v_proj\"]");
        try (LanguageModel lm = load("qwen3-tiny")) {
            assertThat(Lora.load(lm.block(), dir, lm.manager())).isEqualTo(cfg);
            assertThat(Lora.adapters(lm.block())).hasSize(4);
        }
    }

    @Test
    void targetsMatchAsPeftDoes() {
        try (LanguageModel lm = load("tiny-gpt2")) {
            CausalLm m = lm.block();
            assertThat(Lora.targets(m, new LoraConfig(2, 2, List.of("attn.c_proj"))).keySet())
                    .containsExactly("h.0.attn.c_proj", "h.1.attn.c_proj");
            assertThat(Lora.targets(m, new LoraConfig(2, 2, List.of("c_proj")))).hasSize(4);
            assertThat(Lora.targets(m, new LoraConfig(2, 2, List.of("transformer.h.1.mlp.c_fc"))).keySet())
                    .containsExactly("h.1.mlp.c_fc");
            assertThat(Lora.targets(m, new LoraConfig(2, 2, List.of("all-linear")))).hasSize(8);
            assertThat(Lora.targets(m, new LoraConfig(2, 2, null, ".*\\.0\\..*c_attn")).keySet())
                    .containsExactly("h.0.attn.c_attn");
            // a path's middle part is no match (peft compares whole dotted suffixes)
            assertThatThrownBy(() -> Lora.targets(m, new LoraConfig(2, 2, List.of("attn"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[attn]")
                    .hasMessageContaining("c_attn, c_proj, c_fc");
        }
        try (LanguageModel lm = load("qwen3-tiny")) {
            assertThatThrownBy(() -> Lora.apply(lm.block(), new LoraConfig(2, 2, List.of("q_proj", "c_attn")),
                    lm.manager()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[c_attn]")
                    .hasMessageContaining("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
            assertThat(Lora.adapters(lm.block())).isEmpty();
        }
    }

    /** A qwen3-tiny adapter laid out as peft's save_pretrained writes it: dense, r 4, alpha 8, q and v. */
    private static Map<String, float[]> writePeftFile(Path dir, Random random) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), """
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "jgpt-test/qwen3-tiny",
                  "bias": "none",
                  "eva_config": null,
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layer_replication": null,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "loftq_config": {},
                  "lora_alpha": 8,
                  "lora_bias": false,
                  "lora_dropout": 0.05,
                  "megatron_config": null,
                  "megatron_core": "megatron.core",
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 4,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": ["v_proj", "q_proj"],
                  "task_type": "CAUSAL_LM",
                  "trainable_token_indices": null,
                  "use_dora": false,
                  "use_rslora": false
                }
                """);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (int layer = 0; layer < 2; layer++) {
            for (String proj : List.of("q_proj", "v_proj")) {
                int out = proj.equals("q_proj") ? 32 : 16;
                String p = "base_model.model.model.layers." + layer + ".self_attn." + proj;
                float[] a = gaussian(random, 4 * 16, 0.3f);
                float[] b = gaussian(random, out * 4, 0.3f);
                w.add(p + ".lora_A.weight", new long[] {4, 16}, a, SafeTensorsWriter.DType.F32);
                w.add(p + ".lora_B.weight", new long[] {out, 4}, b, SafeTensorsWriter.DType.F32);
                tensors.put(p + ".lora_A.weight", a);
                tensors.put(p + ".lora_B.weight", b);
            }
        }
        w.write(dir.resolve("adapter_model.safetensors"));
        return tensors;
    }

    private static float[] gaussian(Random random, int n, float std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian() * std;
        }
        return x;
    }

    /** {@code W + scale · B A} in plain Java: W (out, in), B (out, r), A (r, in). */
    private static float[] merged(float[] w, float[] b, float[] a, int out, int r, int in, double scale) {
        float[] m = new float[out * in];
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) {
                    s += (double) b[i * r + k] * a[k * in + j];
                }
                m[i * in + j] = (float) (w[i * in + j] + scale * s);
            }
        }
        return m;
    }

    @Test
    void aHandMadePeftFileLoadsAndMergesToWPlusScaleBA() throws IOException {
        Path dir = tmp.resolve("peft");
        Map<String, float[]> t = writePeftFile(dir, new Random(11));
        try (LanguageModel lm = load("qwen3-tiny")) {
            float[] base = logits(lm);
            Map<String, float[]> before = new LinkedHashMap<>();
            lm.block().loraTargets().forEach((k, v) -> before.put(k, v.linear().weight().getArray().toFloatArray()));
            LoraConfig got = Lora.load(lm.block(), dir, lm.manager());
            assertThat(got).isEqualTo(new LoraConfig(4, 8, List.of("q_proj", "v_proj"))); // in model order
            assertThat(Lora.adapters(lm.block())).hasSize(4);
            float[] adapted = logits(lm);
            assertThat(FloatArrays.maxAbsDiff(adapted, base)).isGreaterThan(1e-3);
            Lora.merge(lm.block());
            for (int layer = 0; layer < 2; layer++) {
                for (String proj : List.of("q_proj", "v_proj")) {
                    String key = "model.layers." + layer + ".self_attn." + proj;
                    int out = proj.equals("q_proj") ? 32 : 16;
                    float[] want = merged(before.get(key), t.get("base_model.model." + key + ".lora_B.weight"),
                            t.get("base_model.model." + key + ".lora_A.weight"), out, 4, 16, 8.0 / 4);
                    float[] w = lm.block().loraTargets().get(key).linear().weight().getArray().toFloatArray();
                    assertThat(FloatArrays.maxAbsDiff(w, want)).as(key).isLessThan(1e-5);
                }
            }
            // k_proj was not a target: untouched
            FloatArrays.assertBitEqual(lm.block().loraTargets().get("model.layers.0.self_attn.k_proj").linear()
                    .weight().getArray().toFloatArray(), before.get("model.layers.0.self_attn.k_proj"));
            assertThat(FloatArrays.maxAbsDiff(logits(lm), adapted)).isLessThan(1e-4);
        }
    }

    @Test
    void aDensePeftAdapterOnGpt2sFusedCAttnLoadsAsOne() throws IOException {
        Path dir = tmp.resolve("dense");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\","
                + " \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"c_attn\"], \"fan_in_fan_out\": true,"
                + " \"bias\": \"none\", \"rank_pattern\": {}, \"alpha_pattern\": {}}");
        Random random = new Random(5);
        Map<String, float[]> t = new LinkedHashMap<>();
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (int layer = 0; layer < 2; layer++) {
            String p = "base_model.model.transformer.h." + layer + ".attn.c_attn";
            t.put(p + ".lora_A.weight", gaussian(random, 2 * 64, 0.2f));
            t.put(p + ".lora_B.weight", gaussian(random, 192 * 2, 0.2f)); // dense: no zero blocks
            w.add(p + ".lora_A.weight", new long[] {2, 64}, t.get(p + ".lora_A.weight"), SafeTensorsWriter.DType.F32);
            w.add(p + ".lora_B.weight", new long[] {192, 2}, t.get(p + ".lora_B.weight"), SafeTensorsWriter.DType.F32);
        }
        w.write(dir.resolve("adapter_model.safetensors"));
        try (LanguageModel lm = load("tiny-gpt2")) {
            Linear cAttn = lm.block().loraTargets().get("h.0.attn.c_attn").linear();
            float[] before = cAttn.weight().getArray().toFloatArray();
            Lora.load(lm.block(), dir, lm.manager());
            assertThat(cAttn.lora().groups()).isEqualTo(1);
            assertThat(cAttn.lora().rank()).isEqualTo(2);
            assertThatThrownBy(() -> Lora.configOf(lm.block())).hasMessageContaining("no single LoRA config");
            Lora.merge(lm.block());
            float[] want = merged(before, t.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"),
                    t.get("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"), 192, 2, 64, 2.0);
            assertThat(FloatArrays.maxAbsDiff(cAttn.weight().getArray().toFloatArray(), want)).isLessThan(1e-5);
        }
    }

    @Test
    void jgptsEarlierLayoutStillLoads() throws IOException {
        Path dir = tmp.resolve("legacy");
        float[] adapted;
        try (LanguageModel lm = load("tiny-gpt2")) {
            Lora.apply(lm.block(), new LoraConfig(4, 8), lm.manager());
            perturb(lm.block(), lm.manager());
            adapted = logits(lm);
            // the files as jgpt wrote them before: names like h.0.attn.c_attn.lora_A, B (out, r) per group
            SafeTensorsWriter w = new SafeTensorsWriter();
            Lora.adapterParameters(lm.block()).forEach((k, p) -> w.add(k, p.getShape().getShape(),
                    p.getArray().toFloatArray(), SafeTensorsWriter.DType.F32));
            Files.createDirectories(dir);
            w.write(dir.resolve("adapter_model.safetensors"));
            Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":4,"
                    + "\"lora_alpha\":8.0,\"target_modules\":[\"c_attn\",\"c_proj\",\"c_fc\"]}");
        }
        assertThat(shapes(dir.resolve("adapter_model.safetensors"))).containsEntry("h.0.attn.c_attn.lora_B",
                List.of(192L, 4L));
        try (LanguageModel lm = load("tiny-gpt2")) {
            assertThat(Lora.load(lm.block(), dir, lm.manager())).isEqualTo(new LoraConfig(4, 8));
            FloatArrays.assertBitEqual(logits(lm), adapted);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "qwen3-tiny"})
    void gradientStepsMoveOnlyTheAdapters(String fixture) {
        try (LanguageModel lm = load(fixture)) {
            CausalLm m = lm.block();
            Map<String, float[]> base = new LinkedHashMap<>();
            m.namedParameters().forEach((k, p) -> base.put(k, p.getArray().toFloatArray()));
            Lora.apply(m, new LoraConfig(2, 4), lm.manager());
            // as a DJL Trainer does: gradients on what requires them
            for (Pair<String, Parameter> p : m.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    p.getValue().getArray().setRequiresGradient(true);
                }
            }
            float[] b0 = Lora.adapters(m).values().iterator().next().b().getArray().toFloatArray();
            ParameterStore ps = new ParameterStore(lm.manager(), false);
            for (int step = 0; step < 3; step++) {
                try (NDManager scope = lm.manager().newSubManager()) {
                    try (GradientCollector gc = lm.manager().getEngine().newGradientCollector()) {
                        NDArray ids = scope.create(new long[] {1, 7, 30, 2, 11, 5, 40, 3}).reshape(2, 4);
                        NDArray out = m.forward(ps, new NDList(ids), true).singletonOrThrow();
                        gc.backward(out.square().mean());
                    }
                    for (Pair<String, Parameter> p : m.getParameters()) { // plain SGD, outside the recording
                        NDArray a = p.getValue().getArray();
                        if (a.hasGradient()) {
                            a.subi(a.getGradient().mul(0.5f).toDevice(a.getDevice(), false));
                        }
                    }
                }
            }
            m.namedParameters().forEach((k, p) -> FloatArrays.assertBitEqual(p.getArray().toFloatArray(), base.get(k)));
            float[] b1 = Lora.adapters(m).values().iterator().next().b().getArray().toFloatArray();
            assertThat(FloatArrays.maxAbsDiff(b0, b1)).as("the adapters trained").isGreaterThan(0);
        }
    }

    /** Saves qwen3-tiny q/v adapters, lets {@code edit} change the config, and expects {@code message}. */
    private void assertRefused(Consumer<JsonObject> edit, String... message) throws IOException {
        Path dir = tmp.resolve("bad" + System.nanoTime());
        writePeftFile(dir, new Random(1));
        JsonObject c = json(dir.resolve(Lora.CONFIG_FILE));
        edit.accept(c);
        Files.writeString(dir.resolve(Lora.CONFIG_FILE), c.toString());
        assertLoadFails(dir, message);
    }

    private static void assertLoadFails(Path dir, String... message) {
        try (LanguageModel lm = load("qwen3-tiny")) {
            long total = Lora.trainableParameterCount(lm.block());
            var thrown = assertThatThrownBy(() -> Lora.load(lm.block(), dir, lm.manager()))
                    .isInstanceOf(CheckpointException.class);
            for (String m : message) {
                thrown.hasMessageContaining(m);
            }
            // the model is left as it was: no adapters, nothing frozen
            assertThat(Lora.adapters(lm.block())).isEmpty();
            assertThat(Lora.trainableParameterCount(lm.block())).isEqualTo(total);
        }
    }

    @Test
    void unsupportedSettingsAreRefusedClearly() throws IOException {
        assertRefused(c -> c.addProperty("use_dora", true), "adapter_config.json", "use_dora = true", "DoRA");
        assertRefused(c -> c.addProperty("bias", "all"), "bias = \"all\"");
        assertRefused(c -> c.add("modules_to_save", JsonParser.parseString("[\"lm_head\"]")), "modules_to_save",
                "CAUSAL_LM");
        assertRefused(c -> c.add("layers_to_transform", JsonParser.parseString("[0]")), "layers_to_transform");
        assertRefused(c -> c.addProperty("peft_type", "IA3"), "peft_type = \"IA3\"", "only LORA");
        assertRefused(c -> c.addProperty("use_rslora", true), "use_rslora", "alpha/sqrt(r)");
        assertRefused(c -> c.add("target_modules", JsonParser.parseString("[\"q_proj\", \"c_attn\"]")),
                "[c_attn]", "q_proj, k_proj");
    }

    @Test
    void misShapedMissingAndExtraTensorsAreNamed() throws IOException {
        // r 8 in the config, r 4 in the tensors
        assertRefused(c -> c.addProperty("r", 8), "adapter_model.safetensors",
                "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape (4, 16)",
                "expects (8, 16)");
        // a rank_pattern that disagrees with the tensors of one module
        assertRefused(c -> c.add("rank_pattern", JsonParser.parseString("{\"model.layers.1.self_attn.v_proj\": 2}")),
                "'base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight' has shape (4, 16)",
                "expects (2, 16)");
        Path dir = tmp.resolve("tensors");
        Map<String, float[]> t = writePeftFile(dir, new Random(2));
        rewrite(dir, t, "base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight", null);
        assertLoadFails(dir, "'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight' is missing");
        t = writePeftFile(dir, new Random(2));
        rewrite(dir, t, null, "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight");
        assertLoadFails(dir, "unexpected tensor 'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight'");
    }

    /** Rewrites the weights of {@code t} without {@code drop} and with an extra (4, 16) {@code add}. */
    private static void rewrite(Path dir, Map<String, float[]> t, String drop, String add) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        List<String> names = new ArrayList<>(t.keySet());
        for (String n : names) {
            if (!n.equals(drop)) {
                long out = n.contains("q_proj.lora_B") ? 32 : n.contains("lora_B") ? 16 : 4;
                w.add(n, new long[] {out, t.get(n).length / out}, t.get(n), SafeTensorsWriter.DType.F32);
            }
        }
        if (add != null) {
            w.add(add, new long[] {4, 16}, new float[64], SafeTensorsWriter.DType.F32);
        }
        w.write(dir.resolve(Lora.WEIGHTS_FILE));
    }
}
