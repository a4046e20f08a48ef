package dev.jgpt.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsFolder;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HuggingFace folders both ways, for every family: exported weights read back bit for bit (raw
 * tensor bytes compared with the source file's), sharded folders through {@code
 * model.safetensors.index.json} loading to the same logits as one file, and each way an index
 * can be wrong giving one {@link CheckpointException} that names the index, the shard and the
 * tensor.
 */
class HuggingFaceFolderTest {

    private static final long[] PROMPT = {9707, 11, 1879, 0, 42, 7};

    @TempDir Path tmp;

    /** Every tensor's raw bytes (dtype and data as stored) in a folder's weights, by name. */
    private static Map<String, String> rawTensors(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (SafeTensorsFolder folder = SafeTensorsFolder.open(dir)) {
            for (SafeTensors.TensorInfo t : folder.tensors().values()) {
                Path file = folder.fileOf(t.name());
                try (FileChannel ch = FileChannel.open(file)) {
                    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(len, 0);
                    long dataStart = 8 + len.flip().getLong();
                    ByteBuffer data = ByteBuffer.allocate((int) (t.end() - t.begin()));
                    ch.read(data, dataStart + t.begin());
                    out.put(t.name(), t.dtype() + " " + Arrays.toString(t.shape()) + " "
                            + java.util.HexFormat.of().formatHex(data.array()));
                }
            }
        }
        return out;
    }

    private static float[] logits(LanguageModel lm) {
        try (NDManager scope = lm.manager().newSubManager()) {
            long[] ids = Arrays.stream(PROMPT).map(i -> i % lm.config().vocabSize()).toArray();
            return lm.logits(scope.create(ids).reshape(1, ids.length)).toFloatArray();
        }
    }

    private Path export(String fixture, SafeTensorsWriter.DType dtype, long maxShardBytes) {
        Path out = tmp.resolve(fixture + "-" + dtype + "-" + maxShardBytes);
        Path source = TestData.modelFolder(fixture, tmp.resolve("src"));
        try (LanguageModel lm = LanguageModel.load(source)) {
            lm.saveHuggingFace(out, Tokenizers.forModel(source), dtype, maxShardBytes);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void aBf16FolderExportsBackToTheSameBytes(String fixture) throws IOException {
        Path out = export(fixture, SafeTensorsWriter.DType.BF16, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        assertThat(rawTensors(out)).isEqualTo(rawTensors(TestData.fixture(fixture)));
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json"))).getAsJsonObject();
        assertThat(config.get("model_type").getAsString()).isEqualTo(fixture.startsWith("qwen3") ? "qwen3" : "llama");
        assertThat(config.getAsJsonArray("architectures").get(0).getAsString())
                .isEqualTo(fixture.startsWith("qwen3") ? "Qwen3ForCausalLM" : "LlamaForCausalLM");
        assertThat(config.get("torch_dtype").getAsString()).isEqualTo("bfloat16");
        assertThat(ModelFamilies.readConfig(out.resolve("config.json")))
                .isEqualTo(ModelFamilies.readConfig(TestData.fixture(fixture).resolve("config.json")));
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("generation_config.json")).exists();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny", "tiny-gpt2"})
    void anF32ExportLoadsToTheSameWeightsAndLogits(String fixture) throws IOException {
        Path out = export(fixture, SafeTensorsWriter.DType.F32, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        Path again = tmp.resolve("again");
        try (LanguageModel a = LanguageModel.load(TestData.modelFolder(fixture, tmp.resolve("src2")));
                LanguageModel b = LanguageModel.load(out)) {
            FloatArrays.assertBitEqual(logits(b), logits(a));
            b.saveHuggingFace(again, Tokenizers.forModel(out), SafeTensorsWriter.DType.F32,
                    SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        assertThat(rawTensors(again)).isEqualTo(rawTensors(out)); // a second export changes no byte
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "tiny-gpt2"})
    void aShardedFolderLoadsLikeOneFile(String fixture) throws IOException {
        Path single = export(fixture, SafeTensorsWriter.DType.F32, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        Path sharded = export(fixture, SafeTensorsWriter.DType.F32, 3_000_000);
        assertThat(sharded.resolve(SafeTensorsFolder.SINGLE_FILE)).doesNotExist();
        JsonObject index = JsonParser.parseString(Files.readString(sharded.resolve(SafeTensorsFolder.INDEX_FILE)))
                .getAsJsonObject();
        List<String> shards;
        try (Stream<Path> files = Files.list(sharded)) {
            shards = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-")).sorted().toList();
        }
        assertThat(shards).hasSizeGreaterThan(1);
        assertThat(shards.get(0)).isEqualTo(String.format("model-00001-of-%05d.safetensors", shards.size()));
        assertThat(index.getAsJsonObject("weight_map").entrySet().stream().map(e -> e.getValue().getAsString())
                .distinct().sorted().toList()).isEqualTo(shards);
        long total = 0;
        for (String s : shards) {
            try (SafeTensors st = SafeTensors.open(sharded.resolve(s))) {
                total += st.tensors().values().stream().mapToLong(t -> t.end() - t.begin()).sum();
            }
        }
        assertThat(index.getAsJsonObject("metadata").get("total_size").getAsLong()).isEqualTo(total);
        assertThat(rawTensors(sharded)).isEqualTo(rawTensors(single));
        try (LanguageModel a = LanguageModel.load(single); LanguageModel b = LanguageModel.load(sharded)) {
            FloatArrays.assertBitEqual(logits(b), logits(a));
        }
    }

    @Test
    void aChatTemplateFileTravelsWithTheExport() throws IOException {
        Path source = TestData.modelFolder("qwen3-tiny", tmp.resolve("tpl"));
        Files.writeString(source.resolve("chat_template.jinja"), "{{ messages[0].content }}");
        Path out = tmp.resolve("tpl-out");
        try (LanguageModel lm = LanguageModel.load(source); var tokenizer = Tokenizers.forModel(source)) {
            lm.saveHuggingFace(out, tokenizer, SafeTensorsWriter.DType.BF16, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        assertThat(Files.readString(out.resolve("chat_template.jinja"))).isEqualTo("{{ messages[0].content }}");
    }

    @Test
    void exportingOneFileOverAnOldShardedExportLeavesOnlyTheNewWeights() throws IOException {
        Path dir = export("qwen3-tiny", SafeTensorsWriter.DType.F32, 3_000_000);
        try (LanguageModel lm = LanguageModel.load(dir)) {
            lm.saveHuggingFace(dir, Tokenizers.forModel(dir), SafeTensorsWriter.DType.BF16,
                    SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
        }
        assertThat(dir.resolve(SafeTensorsFolder.INDEX_FILE)).doesNotExist();
        assertThat(dir.resolve("model-00001-of-00002.safetensors")).doesNotExist();
        assertThat(rawTensors(dir)).isEqualTo(rawTensors(TestData.fixture("qwen3-tiny")));
    }

    // ---- a wrong index: one error naming the index, the shard and the tensor ----

    private Path shardedWith(Consumer<JsonObject> edit) throws IOException {
        Path dir = export("qwen3-tiny", SafeTensorsWriter.DType.BF16, 1_500_000);
        Path index = dir.resolve(SafeTensorsFolder.INDEX_FILE);
        JsonObject json = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        edit.accept(json);
        Files.writeString(index, json.toString());
        return dir;
    }

    private static void refused(Path dir, String... parts) {
        var thrown = assertThatThrownBy(() -> LanguageModel.load(dir)).isInstanceOf(CheckpointException.class);
        for (String p : parts) {
            thrown.hasMessageContaining(p);
        }
    }

    @Test
    void aShardTheIndexNamesButTheFolderLacksIsNamed() throws IOException {
        Path dir = shardedWith(j -> { });
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        refused(dir, SafeTensorsFolder.INDEX_FILE, "shard 'model-00002-of-00002.safetensors'", "is not in");
    }

    @Test
    void aTensorMappedToAShardThatDoesNotHoldItIsNamed() throws IOException {
        Path dir = shardedWith(j -> j.getAsJsonObject("weight_map")
                .addProperty("model.norm.weight", "model-00001-of-00002.safetensors"));
        refused(dir, SafeTensorsFolder.INDEX_FILE, "tensor 'model.norm.weight'",
                "'model-00001-of-00002.safetensors', which does not hold it");
    }

    @Test
    void aTensorTheIndexOmitsIsMissing() throws IOException {
        Path dir = shardedWith(j -> j.getAsJsonObject("weight_map").remove("model.norm.weight"));
        refused(dir, SafeTensorsFolder.INDEX_FILE, "missing tensor 'model.norm.weight'");
    }

    @Test
    void aMisShapedTensorInAShardNamesTheShardAndBothShapes() throws IOException {
        Path dir = shardedWith(j -> { });
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"intermediate_size\": 32", "\"intermediate_size\": 24"));
        refused(dir, "model-0000", "model.layers.0.mlp.gate_proj.weight", "(32, 16)", "(24, 16)");
    }

    @Test
    void aTruncatedShardIsNamed() throws IOException {
        Path dir = shardedWith(j -> { });
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(bytes, bytes.length - 100));
        refused(dir, "model-00001-of-00002.safetensors");
    }

    @Test
    void aShardNameOutsideTheFolderIsRefused() throws IOException {
        Path dir = shardedWith(j -> j.getAsJsonObject("weight_map")
                .addProperty("model.norm.weight", "../model-00002-of-00002.safetensors"));
        refused(dir, SafeTensorsFolder.INDEX_FILE, "'../model-00002-of-00002.safetensors'",
                "not a file name in the model folder");
    }

    @Test
    void aMalformedIndexIsNamed() throws IOException {
        Path dir = shardedWith(j -> { });
        Files.writeString(dir.resolve(SafeTensorsFolder.INDEX_FILE), "{\"weight_map\": {\"a\": ");
        refused(dir, SafeTensorsFolder.INDEX_FILE, "not valid JSON");
        Files.writeString(dir.resolve(SafeTensorsFolder.INDEX_FILE), "{\"metadata\": {}}");
        refused(dir, SafeTensorsFolder.INDEX_FILE, "'weight_map'");
        Files.writeString(dir.resolve(SafeTensorsFolder.INDEX_FILE), "{\"weight_map\": {\"a\": 3}}");
        refused(dir, SafeTensorsFolder.INDEX_FILE, "weight_map['a'] must be a file name");
        Files.writeString(dir.resolve(SafeTensorsFolder.INDEX_FILE),
                "{\"weight_map\": {\"a\": \"x.safetensors\", \"a\": \"y.safetensors\"}}");
        refused(dir, SafeTensorsFolder.INDEX_FILE, "'a' is given twice");
    }

    @Test
    void aConfigFarBeyondShardedWeightsFailsBeforeAnythingIsBuilt() throws IOException {
        Path dir = shardedWith(j -> { });
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2000000"));
        refused(dir, "nothing was allocated", SafeTensorsFolder.INDEX_FILE);
    }

    @Test
    void theWriterRefusesValuesThatDoNotFitTheShape() {
        SafeTensorsWriter w = new SafeTensorsWriter().add("t", new long[] {2, 2}, SafeTensorsWriter.DType.F32,
                () -> new float[3]);
        assertThatThrownBy(() -> w.writeFolder(tmp.resolve("w"), 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'t'").hasMessageContaining("(2, 2)").hasMessageContaining("got 3");
        assertThat(tmp.resolve("w").resolve(SafeTensorsFolder.SINGLE_FILE)).doesNotExist();
    }
}
