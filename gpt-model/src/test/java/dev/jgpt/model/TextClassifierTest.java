package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.testing.FloatArrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextClassifierTest {

    @TempDir Path tmp;

    private static final GptConfig CFG = GptConfig.tiny().withTiedEmbeddings(false);
    private static final List<String> LABELS = List.of("ham", "spam");

    private static Device device() {
        return Engine.getInstance().defaultDevice();
    }

    @Test
    void readsTheLastRealTokenOfEachPaddedRow() {
        try (TextClassifier c = TextClassifier.create(CFG, LABELS, 16, device(), 1, InitStyle.GPT2);
                NDManager m = c.manager().newSubManager()) {
            long pad = 50256;
            long[] a = {464, 3290, 318};
            long[] b = {40, 1101, 257, 1332, 13};
            NDArray padded = m.create(new long[] {464, 3290, 318, pad, pad, 40, 1101, 257, 1332, 13}).reshape(2, 5);
            float[] batch = c.logits(padded, m.create(new long[] {3, 5})).toFloatArray();
            float[] alone0 = c.logits(m.create(a).reshape(1, 3), null).toFloatArray();
            float[] alone1 = c.logits(m.create(b).reshape(1, 5), null).toFloatArray();
            assertThat(FloatArrays.maxAbsDiff(new float[] {batch[0], batch[1]}, alone0)).isLessThan(1e-5);
            assertThat(FloatArrays.maxAbsDiff(new float[] {batch[2], batch[3]}, alone1)).isLessThan(1e-5);
            // reading the padded last position instead would differ
            float[] lastPosition = c.logits(padded, null).toFloatArray();
            assertThat(FloatArrays.maxAbsDiff(new float[] {lastPosition[0], lastPosition[1]}, alone0))
                    .isGreaterThan(1e-4);
        }
    }

    @Test
    void aBatchOfTextsGivesEachTextsOwnPrediction() {
        List<String> texts = List.of("Free entry in a weekly competition to win tickets", "Ok lar",
                "Sorry, I'll call later in the meeting, see you there tonight", "WINNER!! claim your prize now");
        try (TextClassifier c = TextClassifier.create(CFG, LABELS, 10, device(), 4, InitStyle.GPT2)) {
            List<TextClassifier.Prediction> batch = c.classify(texts);
            assertThat(batch).hasSize(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                TextClassifier.Prediction alone = c.classify(texts.get(i));
                assertThat(batch.get(i).label()).isEqualTo(alone.label());
                assertThat(FloatArrays.maxAbsDiff(batch.get(i).probabilities(), alone.probabilities())).isLessThan(1e-5);
            }
            assertThat(c.classify(List.of())).isEmpty();
            assertThatThrownBy(() -> c.classify(List.of("Ok lar", ""))).hasMessage("Cannot classify an empty text"
                    + " (text 1 of 2)");
        }
    }

    @Test
    void startsFromTheLanguageModelsWeights() {
        try (LanguageModel lm = LanguageModel.create(CFG, device(), 5);
                TextClassifier c = TextClassifier.fromLanguageModel(lm, LABELS, 16, 9);
                NDManager m = lm.manager().newSubManager()) {
            assertThat(c.block().body().namedParameters()).doesNotContainKey("lm_head.weight");
            NDArray ids = m.create(new long[] {464, 3290, 318, 257}).reshape(1, 4);
            float[] want = lm.block().hidden(new ai.djl.training.ParameterStore(m, false), ids, dev.jgpt.model.nn.ForwardState.inference()).toFloatArray();
            float[] got = c.block().body().hidden(new ai.djl.training.ParameterStore(m, false), ids, dev.jgpt.model.nn.ForwardState.inference()).toFloatArray();
            FloatArrays.assertBitEqual(got, want);
        }
    }

    @Test
    void savesAndLoadsWithLabelsLengthAndAdapters() {
        Path dir = tmp.resolve("clf");
        TextClassifier.Prediction before;
        try (TextClassifier c = TextClassifier.create(CFG, LABELS, 12, device(), 3, InitStyle.GPT2)) {
            c.applyLora(new LoraConfig(2, 4, java.util.List.of("c_attn")));
            before = c.classify("You are a winner, claim your prize now");
            assertThat(before.probabilities()[0] + before.probabilities()[1]).isCloseTo(1f,
                    org.assertj.core.data.Offset.offset(1e-5f));
            c.save(dir);
        }
        try (TextClassifier loaded = TextClassifier.load(dir, device())) {
            assertThat(loaded.labels()).isEqualTo(LABELS);
            assertThat(loaded.maxLength()).isEqualTo(12);
            assertThat(loaded.lora()).isEqualTo(new LoraConfig(2, 4, java.util.List.of("c_attn")));
            assertThat(dev.jgpt.model.lora.Lora.adapters(loaded.block().body()).keySet())
                    .allMatch(k -> k.endsWith(".attn.c_attn")).isNotEmpty();
            TextClassifier.Prediction after = loaded.classify("You are a winner, claim your prize now");
            FloatArrays.assertBitEqual(after.probabilities(), before.probabilities());
            assertThat(after.label()).isEqualTo(before.label());
            loaded.mergeLora();
            assertThat(FloatArrays.maxAbsDiff(loaded.classify("You are a winner, claim your prize now")
                    .probabilities(), before.probabilities())).isLessThan(1e-5);
        }
    }

    @Test
    void badInputGetsClearErrors() throws Exception {
        assertThatThrownBy(() -> TextClassifier.load(tmp, device()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("No classifier found");
        assertThatThrownBy(() -> TextClassifier.create(CFG, List.of("one"), 8, device(), 1, InitStyle.GPT2))
                .hasMessageContaining("at least 2 labels");
        assertThatThrownBy(() -> TextClassifier.create(CFG, LABELS, 65, device(), 1, InitStyle.GPT2))
                .hasMessageContaining("context length");
        Path dir = tmp.resolve("broken");
        try (TextClassifier c = TextClassifier.create(CFG, LABELS, 8, device(), 1, InitStyle.GPT2)) {
            assertThatThrownBy(() -> c.classify("")).hasMessageContaining("empty");
            c.save(dir);
        }
        Files.writeString(dir.resolve(TextClassifier.CLASSIFIER_FILE), "{\"labels\": 3}");
        assertThatThrownBy(() -> TextClassifier.load(dir, device()))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("classifier.json");
    }
}
