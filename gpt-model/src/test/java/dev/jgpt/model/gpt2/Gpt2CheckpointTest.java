package dev.jgpt.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading HuggingFace GPT-2 folders: the reference fixture, its variants, and broken files. */
class Gpt2CheckpointTest {

    private static TinyGpt2Fixture fixture;

    @TempDir Path tmp;

    @BeforeAll
    static void loadFixture() {
        fixture = TinyGpt2Fixture.load();
    }

    private static float[] logits(LanguageModel lm) {
        try (NDManager scope = lm.manager().newSubManager()) {
            NDArray ids = scope.create(fixture.flatInputIds()).reshape(2, fixture.inputIds[0].length);
            NDArray out = lm.logits(ids);
            assertThat(out.getShape()).isEqualTo(new Shape(fixture.logitsShape));
            return out.toFloatArray();
        }
    }

    @Test
    void logitsMatchTheIndependentReference() {
        try (LanguageModel lm = LanguageModel.load(fixture.dir)) {
            float[] out = logits(lm);
            assertThat(fixture.worstViolation(out)).isLessThanOrEqualTo(0.0);
            int v = (int) fixture.logitsShape[2];
            int t = (int) fixture.logitsShape[1];
            for (int b = 0; b < 2; b++) {
                float[] last = Arrays.copyOfRange(out, (b * t + t - 1) * v, (b * t + t) * v);
                assertThat(argMax(last)).isEqualTo(fixture.lastArgmax[b]);
            }
        }
    }

    @Test
    void greedyDecodingReproducesTheReferenceContinuation() {
        try (LanguageModel lm = LanguageModel.load(fixture.dir)) {
            long[] out = new Generator(lm).greedy(fixture.greedyPrompt, fixture.greedyContinuation.length);
            assertThat(out).containsExactly(fixture.greedyContinuation);
        }
    }

    @Test
    void prefixedNamesLmHeadAndMaskBuffersLoadTheSameWeights() throws IOException {
        Path dir = rewrite(tensors -> {
            Map<String, Tensor> out = new java.util.LinkedHashMap<>();
            tensors.forEach((k, t) -> out.put("transformer." + k, t));
            Tensor wte = tensors.get("wte.weight");
            out.put("lm_head.weight", wte);
            out.put("transformer.h.0.attn.masked_bias", new Tensor(new long[] {1}, new float[] {-1e4f}));
            return out;
        }, SafeTensorsWriter.DType.F32);
        float[] reference;
        try (LanguageModel lm = LanguageModel.load(fixture.dir)) {
            reference = logits(lm);
        }
        try (LanguageModel lm = LanguageModel.load(dir)) {
            FloatArrays.assertBitEqual(logits(lm), reference);
        }
    }

    @Test
    void halfAndBfloat16WeightsAreWidenedToFloat32() throws IOException {
        Map<String, Tensor> original = readAll(fixture.dir.resolve("model.safetensors"));
        for (SafeTensorsWriter.DType dtype :
                new SafeTensorsWriter.DType[] {SafeTensorsWriter.DType.F16, SafeTensorsWriter.DType.BF16}) {
            Path dir = rewrite(UnaryOperator.identity(), dtype);
            try (LanguageModel lm = LanguageModel.load(dir)) {
                float[] wpe = ((GptModel) lm.block()).wpe().weight().getArray().toFloatArray();
                float[] want = original.get("wpe.weight").data.clone();
                for (int i = 0; i < want.length; i++) {
                    want[i] = roundTrip(want[i], dtype);
                }
                FloatArrays.assertBitEqual(wpe, want);
                // the rounding is real: at least one value differs from the F32 original
                assertThat(wpe).isNotEqualTo(original.get("wpe.weight").data);
                // and the model still computes nearly the reference logits
                float[] out = logits(lm);
                double maxDiff = 0;
                for (int i = 0; i < out.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(out[i] - fixture.logits[i]));
                }
                assertThat(maxDiff).isLessThan(dtype == SafeTensorsWriter.DType.F16 ? 0.05 : 0.5);
            }
        }
    }

    private static float roundTrip(float f, SafeTensorsWriter.DType dtype) {
        return dtype == SafeTensorsWriter.DType.F16
                ? SafeTensors.halfToFloat(SafeTensorsWriter.floatToHalf(f))
                : Float.intBitsToFloat((SafeTensorsWriter.floatToBfloat16(f) & 0xFFFF) << 16);
    }

    @Test
    void halfPrecisionConversionIsExactOnKnownValues() {
        assertThat(SafeTensors.halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(SafeTensors.halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(SafeTensors.halfToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(SafeTensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(SafeTensors.halfToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(SafeTensors.halfToFloat((short) 0x3555)).isEqualTo(0.33325195f);
        assertThat(SafeTensorsWriter.floatToHalf(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(SafeTensorsWriter.floatToHalf(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(SafeTensorsWriter.floatToHalf(1e6f)).isEqualTo((short) 0x7C00);
        assertThat(SafeTensorsWriter.floatToHalf(0x1p-24f)).isEqualTo((short) 0x0001);
        // 1 + 2^-11 is halfway between two halves: ties go to the even one (1.0)
        assertThat(SafeTensorsWriter.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
        assertThat(SafeTensorsWriter.floatToBfloat16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(SafeTensorsWriter.floatToBfloat16(-2.5f)).isEqualTo((short) 0xC020);
        // 1 + 2^-8 is a bfloat16 tie: rounds to even (1.0); 1 + 3*2^-8 rounds up
        assertThat(SafeTensorsWriter.floatToBfloat16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        assertThat(SafeTensorsWriter.floatToBfloat16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = rewrite(t -> without(t, "h.1.mlp.c_fc.bias"), SafeTensorsWriter.DType.F32);
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing tensor 'h.1.mlp.c_fc.bias'");
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws IOException {
        Path dir = rewrite(t -> {
            Map<String, Tensor> out = new java.util.LinkedHashMap<>(t);
            out.put("h.0.attn.c_proj.weight", new Tensor(new long[] {64, 32}, new float[64 * 32]));
            return out;
        }, SafeTensorsWriter.DType.F32);
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'h.0.attn.c_proj.weight'")
                .hasMessageContaining("(64, 32)")
                .hasMessageContaining("expects (64, 64)");
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path dir = copyFixture();
        Path file = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1000));
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void headerLengthPastTheEndIsReported() throws IOException {
        Path dir = copyFixture();
        byte[] bytes = new byte[64];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000L);
        Files.write(dir.resolve("model.safetensors"), bytes);
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("header length 1000000 runs past the end of the file (64 bytes)");
    }

    @Test
    void unknownDtypeIsReported() throws IOException {
        Path dir = copyFixture();
        byte[] header = "{\"wte.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header).put(new byte[2]);
        Files.write(dir.resolve("model.safetensors"), buf.array());
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'wte.weight' has unknown dtype 'F8_E4M3'");
    }

    @Test
    void malformedHeaderIsReported() throws IOException {
        Path dir = copyFixture();
        byte[] header = "{not json".getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        Files.write(dir.resolve("model.safetensors"), buf.array());
        assertThatThrownBy(() -> LanguageModel.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("header is not a JSON object");
    }

    @Test
    void configThatDoesNotMatchTheWeightsIsReported() throws IOException {
        Path more = copyFixture();
        editConfig(more, "\"n_layer\": 2", "\"n_layer\": 3");
        assertThatThrownBy(() -> LanguageModel.load(more))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing tensor 'h.2.ln_1.weight'");
        Path fewer = copyFixture();
        editConfig(fewer, "\"n_layer\": 2", "\"n_layer\": 1");
        assertThatThrownBy(() -> LanguageModel.load(fewer))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'h.1.")
                .hasMessageContaining("has no place");
        Path wider = copyFixture();
        editConfig(wider, "\"n_embd\": 64", "\"n_embd\": 128");
        assertThatThrownBy(() -> LanguageModel.load(wider))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'wte.weight' has shape (50257, 64), but the model expects (50257, 128)");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> LanguageModel.load(tmp.resolve("nowhere")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("Model folder not found");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> LanguageModel.load(empty))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("No model found in");
        Path noConfig = Files.createDirectories(tmp.resolve("noconfig"));
        Files.copy(fixture.dir.resolve("model.safetensors"), noConfig.resolve("model.safetensors"));
        assertThatThrownBy(() -> LanguageModel.load(noConfig))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("Model config not found");
    }

    @Test
    void exportedFolderLoadsBackWithTheSameLogits() throws IOException {
        Path out = tmp.resolve("export");
        float[] reference;
        try (LanguageModel lm = LanguageModel.load(fixture.dir)) {
            reference = logits(lm);
            Gpt2Checkpoint.save((GptModel) lm.block(), out, SafeTensorsWriter.DType.F32);
        }
        try (LanguageModel lm = LanguageModel.load(out)) {
            FloatArrays.assertBitEqual(logits(lm), reference);
        }
    }

    // ---- helpers ----

    record Tensor(long[] shape, float[] data) {}

    private static Map<String, Tensor> readAll(Path file) {
        Map<String, Tensor> map = new java.util.LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (SafeTensors.TensorInfo info : st.tensors().values()) {
                map.put(info.name(), new Tensor(info.shape(), st.readFloats(info.name())));
            }
        }
        return map;
    }

    private static Map<String, Tensor> without(Map<String, Tensor> t, String name) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>(t);
        assertThat(out.remove(name)).isNotNull();
        return out;
    }

    private Path rewrite(UnaryOperator<Map<String, Tensor>> edit, SafeTensorsWriter.DType dtype)
            throws IOException {
        Path dir = Files.createTempDirectory(tmp, "ckpt");
        Files.copy(fixture.dir.resolve("config.json"), dir.resolve("config.json"));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        edit.apply(readAll(fixture.dir.resolve("model.safetensors")))
                .forEach((k, t) -> writer.add(k, t.shape(), t.data(), dtype));
        writer.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private Path copyFixture() throws IOException {
        return copyFixture(fixture, tmp);
    }

    /** A copy of the fixture's config and weights in a new folder under {@code tmp}. */
    static Path copyFixture(TinyGpt2Fixture fixture, Path tmp) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "ckpt");
        Files.copy(fixture.dir.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(fixture.dir.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path file = dir.resolve("config.json");
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private static long argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
