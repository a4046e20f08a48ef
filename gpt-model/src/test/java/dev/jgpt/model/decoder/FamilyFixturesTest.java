package dev.jgpt.model.decoder;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.llama.LlamaFamily;
import dev.jgpt.model.qwen3.Qwen3Family;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Qwen3 and Llama 3.2 against {@code testdata/qwen3-tiny} and {@code testdata/llama32-tiny}
 * (made by an independent PyTorch implementation, see {@code testdata/README.md}): the stored
 * logit columns within the fixture's tolerance, argmax and logsumexp over the whole vocabulary,
 * and the greedy continuation, with and without the KV cache.
 */
class FamilyFixturesTest {

    private static JsonObject expected(String fixture) throws IOException {
        return JsonParser.parseString(Files.readString(TestData.fixture(fixture).resolve("expected.json")))
                .getAsJsonObject();
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static float[] storedLogits(String fixture) throws IOException {
        byte[] bytes = Files.readAllBytes(TestData.fixture(fixture).resolve("expected-logits.f32"));
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void logitsMatchTheIndependentReference(String fixture) throws IOException {
        JsonObject e = expected(fixture);
        JsonArray inputs = e.getAsJsonArray("input_ids");
        int rows = inputs.size();
        int t = inputs.get(0).getAsJsonArray().size();
        long[] ids = new long[rows * t];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(longs(inputs.get(b).getAsJsonArray()), 0, ids, b * t, t);
        }
        double atol = e.getAsJsonObject("tolerance").get("abs").getAsDouble();
        double rtol = e.getAsJsonObject("tolerance").get("rel").getAsDouble();
        float[] stored = storedLogits(fixture);
        int columns = e.getAsJsonArray("stored_logits_shape").get(2).getAsInt();
        try (LanguageModel lm = LanguageModel.load(TestData.fixture(fixture));
                NDManager scope = lm.manager().newSubManager()) {
            assertThat(lm.block()).isInstanceOf(DecoderModel.class);
            NDArray logits = lm.logits(scope.create(ids).reshape(rows, t));
            int v = lm.config().vocabSize();
            assertThat(logits.getShape()).isEqualTo(new Shape(rows, t, v));
            float[] out = logits.toFloatArray();
            double worst = 0;
            for (int p = 0; p < rows * t; p++) {
                for (int c = 0; c < columns; c++) {
                    double want = stored[p * columns + c];
                    double diff = Math.abs(out[p * v + c] - want) - (atol + rtol * Math.abs(want));
                    worst = Math.max(worst, diff);
                }
            }
            assertThat(worst).as("worst excess over the tolerance").isLessThanOrEqualTo(0.0);
            for (int b = 0; b < rows; b++) {
                JsonArray argmax = e.getAsJsonArray("argmax").get(b).getAsJsonArray();
                JsonArray lse = e.getAsJsonArray("logsumexp").get(b).getAsJsonArray();
                for (int i = 0; i < t; i++) {
                    int p = b * t + i;
                    int best = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < v; c++) {
                        if (out[p * v + c] > max) {
                            max = out[p * v + c];
                            best = c;
                        }
                    }
                    double sum = 0;
                    for (int c = 0; c < v; c++) {
                        sum += Math.exp(out[p * v + c] - max);
                    }
                    assertThat(best).as("argmax at row %d position %d", b, i).isEqualTo(argmax.get(i).getAsInt());
                    assertThat(max + Math.log(sum)).as("logsumexp at row %d position %d", b, i)
                            .isCloseTo(lse.get(i).getAsDouble(), org.assertj.core.data.Offset.offset(atol));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void greedyDecodingReproducesTheReferenceWithAndWithoutTheCache(String fixture) throws IOException {
        JsonObject e = expected(fixture);
        long[] prompt = longs(e.getAsJsonArray("greedy_prompt_ids"));
        long[] continuation = longs(e.getAsJsonArray("greedy_continuation_ids"));
        try (LanguageModel lm = LanguageModel.load(TestData.fixture(fixture))) {
            assertThat(new Generator(lm, true).greedy(prompt, continuation.length)).containsExactly(continuation);
            assertThat(new Generator(lm, false).greedy(prompt, continuation.length)).containsExactly(continuation);
        }
    }

    /**
     * Past the 128-position context the generator slides a window: with the cache (rebuilt for each
     * new window, the rotary positions restarting) and without it, the same tokens, and sampled
     * ids stay in the vocabulary.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void generationPastTheContextWindowMatchesWithAndWithoutTheCache(String fixture) throws IOException {
        long[] prompt = longs(expected(fixture).getAsJsonArray("greedy_prompt_ids"));
        try (LanguageModel lm = LanguageModel.load(TestData.fixture(fixture))) {
            int context = lm.config().contextLength();
            dev.jgpt.model.generate.SamplingConfig greedy =
                    dev.jgpt.model.generate.SamplingConfig.greedy(context + 20 - prompt.length);
            long[] cached = new Generator(lm, true).generate(prompt, greedy, null);
            long[] plain = new Generator(lm, false).generate(prompt, greedy, null);
            assertThat(cached).hasSize(context + 20 - prompt.length).containsExactly(plain);
        }
    }

    /** Left-padded batches (explicit positions, a padding mask) give each row's ids alone. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void batchedGenerationEqualsEachPromptAlone(String fixture) throws IOException {
        long[] prompt = longs(expected(fixture).getAsJsonArray("greedy_prompt_ids"));
        long[] shorter = java.util.Arrays.copyOf(prompt, 2);
        try (LanguageModel lm = LanguageModel.load(TestData.fixture(fixture))) {
            dev.jgpt.model.generate.SamplingConfig greedy = dev.jgpt.model.generate.SamplingConfig.greedy(8);
            long[][] batch = new Generator(lm).generateBatch(new long[][] {prompt, shorter}, greedy);
            assertThat(batch[0]).containsExactly(new Generator(lm).generate(prompt, greedy, null));
            assertThat(batch[1]).containsExactly(new Generator(lm).generate(shorter, greedy, null));
        }
    }

    /** DJL's Criteria / Predictor path loads a family folder with its own tokenizer. */
    @Test
    void aFamilyFolderPredictsThroughCriteria(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path dir = TestData.modelFolder("qwen3-tiny", tmp);
        dev.jgpt.model.generate.SamplingConfig greedy = dev.jgpt.model.generate.SamplingConfig.greedy(10);
        String expected;
        try (LanguageModel lm = LanguageModel.load(dir);
                dev.jgpt.model.tokenizer.Tokenizer tok = dev.jgpt.model.tokenizer.Tokenizers.forModel(dir)) {
            expected = new dev.jgpt.model.generate.TextGenerator(lm, tok)
                    .generate("Hello there", greedy.withEndIdsOf(tok), null);
        }
        try (ai.djl.repository.zoo.ZooModel<String, String> model =
                        dev.jgpt.model.generate.GenerationCriteria.textGeneration(dir, greedy).loadModel();
                ai.djl.inference.Predictor<String, String> predictor = model.newPredictor()) {
            assertThat(predictor.predict("Hello there")).isEqualTo(expected);
        }
    }

    /** The published parameter counts, from the shapes alone (issue 16's figures). */
    @Test
    void presetsHaveThePublishedParameterCounts() {
        assertThat(Qwen3Family.presetConfig("qwen3-0.6b").parameterCount()).isEqualTo(596_049_920L);
        assertThat(Qwen3Family.presetConfig("qwen3-1.7b").parameterCount()).isEqualTo(1_720_574_976L);
        assertThat(Qwen3Family.presetConfig("qwen3-4b").parameterCount()).isEqualTo(4_022_468_096L);
        assertThat(Qwen3Family.presetConfig("qwen3-8b").parameterCount()).isEqualTo(8_190_735_360L);
        assertThat(LlamaFamily.presetConfig("llama3.2-1b").parameterCount()).isEqualTo(1_235_814_400L);
        assertThat(LlamaFamily.presetConfig("llama3.2-3b").parameterCount()).isEqualTo(3_212_749_824L);
        // the book's way, the tied head counted apart
        DecoderConfig q = Qwen3Family.presetConfig("qwen3-0.6b");
        assertThat(q.parameterCount() + (long) q.vocabSize() * q.hiddenSize()).isEqualTo(751_632_384L);
        DecoderConfig l = LlamaFamily.presetConfig("llama3.2-1b");
        assertThat(l.parameterCount() + (long) l.vocabSize() * l.hiddenSize()).isEqualTo(1_498_482_688L);
        assertThat(dev.jgpt.model.checkpoint.ModelFamilies.preset("qwen3-0.6b")).isEqualTo(q);
        assertThat(dev.jgpt.model.checkpoint.ModelFamilies.preset("llama3.2-1b")).isEqualTo(l);
        // and the blocks built from a config count the same, without allocating
        DecoderModel tiny = new DecoderModel(q.withContextLength(16), true);
        long built = 0;
        for (var p : tiny.getParameters()) {
            built += p.getValue().getShape().size();
        }
        assertThat(built).isEqualTo(q.parameterCount());
    }

    @Test
    void aJgptCheckpointOfAFamilyRoundTrips(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path saved = tmp.resolve("saved");
        float[] before;
        try (LanguageModel lm = LanguageModel.load(TestData.fixture("qwen3-tiny"));
                NDManager scope = lm.manager().newSubManager()) {
            before = lm.logits(scope.create(new long[] {1, 2, 3}).reshape(1, 3)).toFloatArray();
            lm.save(saved);
        }
        JsonElement type = JsonParser.parseString(Files.readString(saved.resolve("config.json")))
                .getAsJsonObject().get("model_type");
        assertThat(type.getAsString()).isEqualTo("qwen3");
        try (LanguageModel lm = LanguageModel.load(saved); NDManager scope = lm.manager().newSubManager()) {
            // bit for bit (AssertJ's containsExactly is quadratic on 455,808 floats)
            dev.jgpt.model.testing.FloatArrays.assertBitEqual(
                    lm.logits(scope.create(new long[] {1, 2, 3}).reshape(1, 3)).toFloatArray(), before);
        }
    }
}
