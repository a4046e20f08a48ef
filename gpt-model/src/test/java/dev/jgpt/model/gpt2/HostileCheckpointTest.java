package dev.jgpt.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files crafted from the tiny GPT-2 fixture the way a hostile user would: each must be refused
 * with one {@link CheckpointException} naming the problem, before any weight is loaded, and
 * never load wrong weights (issue 15's reproductions).
 */
class HostileCheckpointTest {

    private static TinyGpt2Fixture fixture;

    @TempDir Path tmp;

    @BeforeAll
    static void loadFixture() {
        fixture = TinyGpt2Fixture.load();
    }

    /** The fixture's header and data section. */
    private record Raw(JsonObject header, byte[] data) {}

    private static Raw read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int n = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, n, StandardCharsets.UTF_8)).getAsJsonObject();
        return new Raw(header, Arrays.copyOfRange(bytes, 8 + n, bytes.length));
    }

    private static void write(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).put(data);
        Files.write(file, buf.array());
    }

    /** A copy of the fixture whose header {@code edit} changed (same data section). */
    private Path withHeader(Consumer<JsonObject> edit) throws IOException {
        Path dir = copyFixture();
        Raw raw = read(dir.resolve("model.safetensors"));
        edit.accept(raw.header());
        write(dir.resolve("model.safetensors"), new Gson().toJson(raw.header()), raw.data());
        return dir;
    }

    private Path copyFixture() throws IOException {
        return Gpt2CheckpointTest.copyFixture(fixture, tmp);
    }

    private static JsonArray offsets(JsonObject header, String name) {
        return header.getAsJsonObject(name).getAsJsonArray("data_offsets");
    }

    private static void refused(Path dir, String... parts) {
        var thrown = assertThatThrownBy(() -> LanguageModel.load(dir)).isInstanceOf(CheckpointException.class);
        for (String p : parts) {
            thrown.hasMessageContaining(p);
        }
    }

    @Test
    void theFixtureItselfLoads() {
        try (LanguageModel lm = LanguageModel.load(fixture.dir)) {
            assertThat(lm.config().numLayers()).isEqualTo(2);
        }
    }

    @Test
    void aTensorNamedTwiceIsRefused() throws IOException {
        Path dir = copyFixture();
        Raw raw = read(dir.resolve("model.safetensors"));
        String header = new Gson().toJson(raw.header());
        JsonObject second = raw.header().getAsJsonObject("ln_f.weight"); // same size, other offsets
        String twice = header.substring(0, header.length() - 1) + ",\"ln_f.bias\":" + new Gson().toJson(second) + "}";
        write(dir.resolve("model.safetensors"), twice, raw.data());
        refused(dir, "names 'ln_f.bias' twice");
    }

    @Test
    void overlappingOffsetsAreRefused() throws IOException {
        Path dir = withHeader(h -> {
            JsonArray w = offsets(h, "ln_f.weight");
            JsonArray b = offsets(h, "ln_f.bias");
            long shift = 4; // ln_f.bias starts 4 bytes into ln_f.weight, same length
            long begin = w.get(0).getAsLong() + shift;
            long length = b.get(1).getAsLong() - b.get(0).getAsLong();
            b.set(0, new com.google.gson.JsonPrimitive(begin));
            b.set(1, new com.google.gson.JsonPrimitive(begin + length));
        });
        refused(dir, "overlaps tensor");
    }

    @Test
    void aGapOrBytesAfterTheLastTensorAreRefused() throws IOException {
        Path dir = copyFixture();
        Raw raw = read(dir.resolve("model.safetensors"));
        byte[] longer = Arrays.copyOf(raw.data(), raw.data().length + 4);
        write(dir.resolve("model.safetensors"), new Gson().toJson(raw.header()), longer);
        refused(dir, "data no tensor describes");
    }

    @Test
    void shapesWhoseSizeOverflowsAreRefusedWithTheShape() throws IOException {
        Path elements = withHeader(h -> h.getAsJsonObject("ln_f.bias").add("shape",
                JsonParser.parseString("[4611686018427387904, 4]")));
        refused(elements, "ln_f.bias", "(4611686018427387904, 4)", "more elements than a 64-bit count holds");
        Path bytes = withHeader(h -> h.getAsJsonObject("ln_f.bias").add("shape",
                JsonParser.parseString("[2305843009213693952, 2]")));
        refused(bytes, "ln_f.bias", "(2305843009213693952, 2)", "size in bytes overflows a 64-bit count");
    }

    @Test
    void headerFieldsOfTheWrongJsonTypeAreRefused() throws IOException {
        Path text = withHeader(h -> h.getAsJsonObject("ln_f.bias").add("shape", JsonParser.parseString("[\"64\"]")));
        refused(text, "ln_f.bias", "'shape' must hold integers");
        Path fraction = withHeader(h -> h.getAsJsonObject("ln_f.bias").add("data_offsets",
                JsonParser.parseString("[0.5, 256.5]")));
        refused(fraction, "ln_f.bias", "'data_offsets' must hold integers");
        Path dtype = withHeader(h -> h.getAsJsonObject("ln_f.bias").add("dtype", JsonParser.parseString("[1]")));
        refused(dtype, "ln_f.bias", "'dtype' must be a string");
    }

    private Path withConfig(String from, String to) throws IOException {
        Path dir = copyFixture();
        String text = Files.readString(dir.resolve("config.json"));
        assertThat(text).contains(from);
        Files.writeString(dir.resolve("config.json"), text.replace(from, to));
        return dir;
    }

    @Test
    void aConfigFarBeyondTheWeightsFailsBeforeAnythingIsBuilt() throws IOException {
        Path dir = withConfig("\"n_layer\": 2", "\"n_layer\": 1000000000");
        long start = System.nanoTime();
        refused(dir, "config.json describes a model of", "layers=1000000000", "nothing was allocated");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds").isLessThan(5);
    }

    @Test
    void integerFieldsAreReportedAsWritten() throws IOException {
        refused(withConfig("\"n_layer\": 2", "\"n_layer\": 1099511627776"),
                "'n_layer' must be an integer from 1 to 2147483647, got 1099511627776");
        refused(withConfig("\"n_embd\": 64", "\"n_embd\": 2147483648"),
                "'n_embd' must be an integer from 1 to 2147483647, got 2147483648");
        refused(withConfig("\"n_layer\": 2", "\"n_layer\": -3"), "'n_layer' must be an integer from 1");
    }

    @Test
    void fieldsOfTheWrongJsonTypeAreNamed() throws IOException {
        refused(withConfig("\"n_embd\": 64", "\"n_embd\": \"64\""), "'n_embd' must be a number, got \"64\"");
        refused(withConfig("\"n_embd\": 64", "\"n_embd\": 64.5"), "'n_embd' must be an integer", "got 64.5");
        refused(withConfig("\"n_embd\": 64", "\"n_embd\": [64]"), "'n_embd' must be a number, got [64]");
        refused(withConfig("\"n_layer\": 2", "\"n_layer\": 2, \"n_layer\": 1"), "'n_layer' is given twice");
    }

    @Test
    void aConfigWhoseParameterCountOverflowsIsNamed() throws IOException {
        refused(withConfig("\"n_embd\": 64", "\"n_embd\": 2147483644"), "more parameters than a 64-bit count holds");
    }

    /** A fresh model of a crafted config (pretrain --model-size DIR): one error, nothing built. */
    @Test
    void aFreshModelBeyondTheMachinesMemoryIsOneError() {
        GptConfig huge = new GptConfig(50257, 1024, 4096, 32, 100_000, 0f, false, true, 1e-5f);
        long start = System.nanoTime();
        assertThatThrownBy(() -> LanguageModel.create(huge, ai.djl.Device.cpu(), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers=100000")
                .hasMessageContaining("GB in fp32, more than the")
                .hasMessageContaining("of memory of cpu()");
        assertThat((System.nanoTime() - start) / 1e9).as("seconds").isLessThan(5);
    }
}
