package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.datasets.LabeledText;
import dev.jgpt.datasets.SpamData;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierFineTunerTest {

    private static final List<String> LABELS = List.of("not spam", "spam");
    private static final GptConfig CFG = GptConfig.tiny().withTiedEmbeddings(true).withContextLength(128);

    private static Splits<LabeledText> spam;

    @TempDir Path tmp;

    @BeforeAll
    static void load() {
        spam = SpamData.load(TestData.dataset("sms-spam-collection/SMSSpamCollection.tsv"), 123);
    }

    private static TextClassifier fresh() {
        return TextClassifier.create(CFG, LABELS, 120, Engine.getInstance().defaultDevice(), 7, InitStyle.GPT2);
    }

    private static ClassificationDataset dataset(TextClassifier c, List<LabeledText> texts) {
        return ClassificationDataset.builder().setTexts(texts, c.tokenizer()).setSampling(8, false)
                .optMaxLength(c.maxLength()).build();
    }

    private static Map<String, float[]> snapshot(TextClassifier c) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : c.block().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static List<String> changed(Map<String, float[]> before, Map<String, float[]> after) {
        return before.keySet().stream().filter(k -> !after.containsKey(k) || !Arrays.equals(before.get(k), after.get(k)))
                .toList();
    }

    @Test
    void trainsOnlyTheLastBlockTheFinalNormAndTheHeadByDefault() {
        ClassifierConfig cfg = ClassifierConfig.builder().epochs(1).batchSize(8).learningRate(1e-3f)
                .evaluation(1000, 1).seed(1).build();
        try (TextClassifier c = fresh()) {
            Map<String, float[]> before = snapshot(c);
            new ClassifierFineTuner(cfg, tmp, null).train(c, dataset(c, spam.train().subList(0, 32)),
                    dataset(c, spam.validation().subList(0, 8)), null, null);
            List<String> changed = changed(before, snapshot(c));
            assertThat(changed).isNotEmpty().allSatisfy(name -> assertThat(name)
                    .matches(".*(h\\.1_|ln_f|score).*"));
            // every parameter of the last block, ln_f and the head moved
            long expected = before.keySet().stream().filter(k -> k.matches(".*(h\\.1_|ln_f|score).*")).count();
            assertThat(changed).hasSize((int) expected);
        }
    }

    @Test
    void withLoraOnlyTheAdaptersAndTheHeadTrain() throws java.io.IOException {
        ClassifierConfig cfg = ClassifierConfig.builder().epochs(1).batchSize(8).learningRate(1e-3f)
                .trainableBlocks(1).lora(new LoraConfig(2, 4)).evaluation(1000, 1).seed(1).build();
        try (TextClassifier c = fresh()) {
            Map<String, float[]> before = snapshot(c); // adapters are not attached yet
            ClassifierFineTuner.Result r = new ClassifierFineTuner(cfg, tmp, null).train(c,
                    dataset(c, spam.train().subList(0, 32)), dataset(c, spam.validation().subList(0, 8)), null, null);
            Map<String, float[]> after = snapshot(c);
            assertThat(changed(before, after)).allSatisfy(name -> assertThat(name).contains("score"));
            assertThat(after.keySet()).anyMatch(k -> k.contains("lora_B"));
            after.forEach((k, v) -> {
                if (k.contains("lora_B")) {
                    assertThat(Arrays.stream(toDoubles(v)).anyMatch(x -> x != 0)).as(k).isTrue();
                }
            });
            // 2 blocks x (c_attn 3x(32x2 + 2x32) + c_proj 128 + c_fc 32x2+2x128 + proj 128x2+2x32) + head 32x2+2
            assertThat(r.trainableParameters()).isEqualTo(2 * (384 + 128 + 320 + 320) + 66);
            // the run saved the classifier and, apart, its adapters in the peft-style layout
            assertThat(r.model()).isEqualTo(tmp.resolve(ClassifierFineTuner.MODEL_DIR));
            assertThat(r.adapters()).isEqualTo(tmp.resolve(ClassifierFineTuner.ADAPTERS_DIR));
            assertThat(r.adapters().resolve("adapter_model.safetensors")).isNotEmptyFile();
            // peft's layout: every target listed by name, the classifier's task type
            assertThat(dev.jgpt.model.lora.Lora.readConfig(r.adapters()))
                    .isEqualTo(new LoraConfig(2, 4, java.util.List.of("c_attn", "c_proj", "c_fc")));
            assertThat(java.nio.file.Files.readString(r.adapters().resolve("adapter_config.json")))
                    .contains("\"task_type\": \"SEQ_CLS\"");
        }
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void learnsSpamFromRandomWeightsAndWritesItsRun() throws Exception {
        ClassifierConfig cfg = ClassifierConfig.builder().epochs(3).batchSize(8).learningRate(1e-3f)
                .trainableBlocks(-1).evaluation(50, 5).seed(123).build();
        ClassifierFineTuner.Result r;
        try (TextClassifier c = fresh()) {
            ClassificationDataset test = dataset(c, spam.test());
            r = new ClassifierFineTuner(cfg, tmp, null).train(c, dataset(c, spam.train()),
                    dataset(c, spam.validation()), test, null);
            assertThat(r.testAccuracy()).isGreaterThan(0.9);
            assertThat(c.classify("WINNER!! You have won a free prize, call 0906 now to claim").label())
                    .isEqualTo("spam");
        }
        assertThat(r.steps()).isEqualTo(3 * (spam.train().size() / 8));
        assertThat(r.evaluations()).filteredOn(e -> !Double.isNaN(e.trainAccuracy())).hasSize(3)
                .allSatisfy(e -> assertThat(e.testAccuracy()).isBetween(0.0, 1.0))
                .allSatisfy(e -> assertThat(e.testLoss()).isPositive());
        for (String f : new String[] {"metrics.csv", "loss.png", "accuracy.png", "classifier/classifier.json"}) {
            assertThat(tmp.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readAllLines(tmp.resolve("metrics.csv")).get(0)).isEqualTo(ClassifierMetrics.HEADER);
        assertThat(r.model()).isEqualTo(tmp.resolve(ClassifierFineTuner.MODEL_DIR));
        assertThat(r.adapters()).isNull();
        assertThat(tmp.resolve(ClassifierFineTuner.ADAPTERS_DIR)).doesNotExist();
        try (TextClassifier saved = TextClassifier.load(r.model(),
                Engine.getInstance().defaultDevice())) {
            assertThat(saved.classify("WINNER!! You have won a free prize, call 0906 now to claim").label())
                    .isEqualTo("spam");
        }
    }

    @Test
    void resumesFromAnEpochCheckpointExactly() {
        List<LabeledText> train = spam.train().subList(0, 48);
        List<LabeledText> val = spam.validation().subList(0, 8);
        ClassifierConfig three = ClassifierConfig.builder().epochs(3).learningRate(1e-3f).evaluation(4, 1).seed(5)
                .build();
        Map<String, float[]> straight;
        try (TextClassifier c = fresh()) {
            new ClassifierFineTuner(three, tmp.resolve("a"), null).train(c, dataset(c, train), dataset(c, val), null, null);
            straight = snapshot(c);
        }
        ClassifierConfig one = ClassifierConfig.builder().epochs(1).learningRate(1e-3f).evaluation(4, 1).seed(5).build();
        try (TextClassifier c = fresh()) {
            new ClassifierFineTuner(one, tmp.resolve("b"), null).train(c, dataset(c, train), dataset(c, val), null, null);
        }
        Path checkpoint = TrainingCheckpoint.find(tmp.resolve("b")).orElseThrow();
        try (TextClassifier c = TextClassifier.load(checkpoint, Engine.getInstance().defaultDevice())) {
            ClassifierFineTuner.Result r = new ClassifierFineTuner(three, tmp.resolve("b"), null)
                    .train(c, dataset(c, train), dataset(c, val), null, checkpoint);
            assertThat(r.steps()).isEqualTo(18);
            assertThat(changed(straight, snapshot(c))).isEmpty();
        }
    }
}
