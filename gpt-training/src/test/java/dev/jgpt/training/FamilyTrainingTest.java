package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.LabeledText;
import dev.jgpt.datasets.SpamData;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The book's training chapters on the modern families, through the same loop as GPT-2: the
 * qwen3-tiny and llama32-tiny fixture folders (real vocabularies and chat templates) pretrain,
 * resume bit for bit, LoRA-tune in their own chat format, and classify.
 */
class FamilyTrainingTest {

    @TempDir static Path fixtures;

    @TempDir Path tmp;

    private static Splits<InstructionExample> instructions;
    private static String verdict;

    @BeforeAll
    static void setUp() throws Exception {
        TestData.modelFolder("qwen3-tiny", fixtures);
        TestData.modelFolder("llama32-tiny", fixtures);
        instructions = InstructionData.split(InstructionData.parse(TestData.dataset("instruction-data.json")));
        verdict = Files.readString(TestData.dataset("the-verdict.txt"));
    }

    private static Path folder(String family) {
        return fixtures.resolve(family);
    }

    private static LanguageModel load(String family) {
        return LanguageModel.load(folder(family), Engine.getInstance().defaultDevice());
    }

    private static Map<String, float[]> weights(LanguageModel lm) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : lm.block().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static PretrainConfig pretraining(int epochs) {
        return PretrainConfig.builder().epochs(epochs).batchSize(2).contextLength(32).learningRate(3e-3f)
                .evaluation(3, 2).checkpointEvery(2).sample("Every effort moves you", 3).seed(3).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void pretrainingLowersTheLossAndAKilledRunResumesBitForBit(String family) {
        try (Tokenizer tokenizer = Tokenizers.forModel(folder(family))) {
            long[] ids = tokenizer.encode(verdict.substring(0, 4000));
            long[] train = Arrays.copyOf(ids, ids.length * 9 / 10);
            long[] val = Arrays.copyOfRange(ids, train.length, ids.length);
            PretrainConfig cfg = pretraining(2);
            Map<String, float[]> straight;
            Pretrainer.Result r;
            try (LanguageModel lm = load(family)) {
                r = new Pretrainer(cfg, tokenizer, tmp.resolve("a"), null).train(lm, train, val, null);
                straight = weights(lm);
            }
            List<Evaluation> e = r.evaluations();
            assertThat(e.get(e.size() - 1).validationLoss()).isLessThan(e.get(0).validationLoss() - 0.1);
            assertThat(e.get(e.size() - 1).trainLoss()).isLessThan(e.get(0).trainLoss() - 0.5);

            Path out = tmp.resolve("b");
            long killAt = r.steps() - 1; // the checkpoint before it is the one of step killAt - 1 or before
            try (LanguageModel lm = load(family)) {
                Pretrainer.Listener killer = new Pretrainer.Listener() {
                    @Override
                    public void onStep(long step, long total, int epoch, float loss) {
                        if (step == killAt) {
                            throw new IllegalStateException("killed");
                        }
                    }
                };
                assertThatThrownBy(() -> new Pretrainer(cfg, tokenizer, out, killer).train(lm, train, val, null))
                        .hasMessage("killed");
            }
            Path checkpoint = TrainingCheckpoint.find(out).orElseThrow();
            assertThat(checkpoint.resolve("tokenizer.json")).as("the run keeps the family's tokenizer").exists();
            try (LanguageModel lm = LanguageModel.load(checkpoint, Engine.getInstance().defaultDevice())) {
                assertThat(lm.config().modelType()).isEqualTo(family.startsWith("qwen") ? "qwen3" : "llama");
                Pretrainer.Result resumed = new Pretrainer(cfg, tokenizer, out, null).train(lm, train, val, checkpoint);
                assertThat(resumed.steps()).isEqualTo(r.steps());
                Map<String, float[]> back = weights(lm);
                assertThat(back.keySet()).isEqualTo(straight.keySet());
                straight.forEach((k, v) -> FloatArrays.assertBitEqual(back.get(k), v));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void loraInTheChatFormatTrainsOnlyTheAdaptersAndTheTunedFolderKeepsTheTemplate(String family)
            throws Exception {
        LoraConfig lora = new LoraConfig(4, 8, List.of("q_proj", "v_proj", "down_proj"));
        ChatFormat chat = ChatFormat.forModel(folder(family));
        InstructionFormat format = InstructionFormat.chat(chat, null, Map.of());
        PretrainConfig cfg = InstructionFineTuner.bookSettings().epochs(2).batchSize(4).learningRate(5e-3f)
                .contextLength(128).evaluation(4, 2).sample(format.prompt(instructions.validation().get(0)), 4)
                .build();
        List<ChatMessage> probe = List.of(ChatMessage.user("Name a colour."));
        try (Tokenizer tokenizer = Tokenizers.forModel(folder(family)); LanguageModel lm = load(family)) {
            Map<String, float[]> base = weights(lm);
            InstructionFineTuner tuner = new InstructionFineTuner(cfg, format, lora, tokenizer, tmp, null);
            Pretrainer.Result r = tuner.train(lm, instructions.train().subList(0, 24),
                    instructions.validation().subList(0, 8), null);
            List<Evaluation> e = r.evaluations();
            assertThat(e.get(e.size() - 1).validationLoss()).isLessThan(e.get(0).validationLoss());
            assertThat(Lora.adapters(lm.block()).keySet()).hasSize(2 * 3)
                    .allSatisfy(k -> assertThat(k).matches(".*(q_proj|v_proj|down_proj)"));
            base.forEach((k, v) -> assertThat(Arrays.equals(weights(lm).get(k), v)).as(k).isTrue());

            long[][] ids = {tokenizer.encode(chat.prompt(probe, Map.of()))};
            float[] adapted;
            try (NDArray x = lm.manager().create(ids); NDArray logits = lm.logits(x)) {
                adapted = logits.toFloatArray();
            }
            InstructionFineTuner.SavedModel saved = tuner.save(lm);
            assertThat(saved.adapters().resolve("adapter_model.safetensors")).isNotEmptyFile();
            // the tuned folder prompts exactly as the model was trained, and computes what the adapters did
            ChatFormat back = ChatFormat.forModel(saved.model());
            assertThat(back.hasTemplate()).isTrue();
            assertThat(back.prompt(probe, Map.of())).isEqualTo(chat.prompt(probe, Map.of()));
            try (LanguageModel tuned = LanguageModel.load(saved.model(), Engine.getInstance().defaultDevice());
                    NDArray x = tuned.manager().create(ids); NDArray logits = tuned.logits(x)) {
                assertThat(FloatArrays.maxAbsDiff(logits.toFloatArray(), adapted)).isLessThan(1e-4);
            }
            List<InstructionResponses.Response> answers = InstructionResponses.generate(lm, tokenizer, format,
                    instructions.test().subList(0, 2), 4, null);
            assertThat(answers).hasSize(2).allSatisfy(a -> assertThat(a.modelResponse()).doesNotContain("<|im_start|>")
                    .doesNotContain("<|start_header_id|>"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "llama32-tiny"})
    void classifiesWithTheFamilysLastRealToken(String family) {
        Splits<LabeledText> spam = SpamData.load(TestData.dataset("sms-spam-collection/SMSSpamCollection.tsv"), 123);
        ClassifierConfig cfg = ClassifierConfig.builder().epochs(3).batchSize(8).learningRate(3e-3f)
                .trainableBlocks(-1).evaluation(4, 2).seed(2).build();
        try (TextClassifier c = TextClassifier.fromLanguageModel(folder(family), List.of("ham", "spam"), 64,
                Engine.getInstance().defaultDevice(), 5)) {
            ClassificationDataset train = ClassificationDataset.builder().setTexts(spam.train().subList(0, 64),
                    c.tokenizer()).setSampling(8, false).optMaxLength(c.maxLength()).build();
            ClassificationDataset val = ClassificationDataset.builder().setTexts(spam.validation().subList(0, 16),
                    c.tokenizer()).setSampling(8, false).optMaxLength(c.maxLength()).build();
            ClassifierFineTuner.Result r = new ClassifierFineTuner(cfg, tmp, null).train(c, train, val, null, null);
            List<ClassifierEvaluation> e = r.evaluations();
            assertThat(e.get(e.size() - 1).trainLoss()).isLessThan(e.get(0).trainLoss());
            // the data set pads with the family's own pad id (not GPT-2's 50256, an ordinary token here)
            int shortest = 0;
            for (int i = 0; i < train.size(); i++) {
                if (train.length(i) < train.length(shortest)) {
                    shortest = i;
                }
            }
            long[] shortRow = train.ids(shortest);
            assertThat(train.length(shortest)).isLessThan(shortRow.length);
            assertThat(Arrays.copyOfRange(shortRow, train.length(shortest), shortRow.length))
                    .containsOnly(c.tokenizer().padId()).doesNotContain(50256L);
            // and the prediction reads the last real token only
            long[] padded = c.tokenizer().encode("Win a prize now");
            assertThat(train.maxLength()).isGreaterThan(padded.length);
            long[] row = Arrays.copyOf(padded, train.maxLength());
            Arrays.fill(row, padded.length, row.length, c.tokenizer().padId());
            try (ai.djl.ndarray.NDManager m = c.manager().newSubManager()) {
                float[] alone = c.logits(m.create(new long[][] {padded}), null).toFloatArray();
                float[] withPadding = c.logits(m.create(new long[][] {row}), m.create(new long[] {padded.length}))
                        .toFloatArray();
                assertThat(FloatArrays.maxAbsDiff(alone, withPadding)).isLessThan(1e-5);
            }
        }
    }
}
