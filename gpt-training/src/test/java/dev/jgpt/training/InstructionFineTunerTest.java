package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.io.PromptFormatFile;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionFineTunerTest {

    private static final GptConfig CFG = GptConfig.tiny().withContextLength(256).withTiedEmbeddings(false);

    private static Gpt2Tokenizer tokenizer;
    private static Splits<InstructionExample> data;

    @TempDir Path tmp;

    @BeforeAll
    static void setUp() {
        tokenizer = Gpt2Tokenizer.builtIn();
        data = InstructionData.split(InstructionData.parse(TestData.dataset("instruction-data.json")));
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static LanguageModel tiny() {
        return LanguageModel.create(CFG, Engine.getInstance().defaultDevice(), 11);
    }

    private static PretrainConfig config(int epochs) {
        return InstructionFineTuner.book(256, data.validation().get(0))
                .toBuilder().epochs(epochs).batchSize(4).contextLength(256).learningRate(2e-3f)
                .evaluation(2, 2).sample(InstructionData.formatPrompt(data.validation().get(0)), 8).seed(0).build();
    }

    /** Parameter gradients of the masked loss on one collated batch. */
    private static Map<String, float[]> gradients(LanguageModel lm, NDArray inputs, NDArray targets) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Parameter> params = lm.block().namedParameters();
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = lm.block().logits(new ParameterStore(lm.manager(), false), inputs, dev.jgpt.model.nn.ForwardState.inference());
            gc.backward(new CausalLmLoss().evaluate(new NDList(targets), new NDList(logits)));
        }
        params.forEach((k, p) -> {
            NDArray grad = p.getArray().getGradient();
            out.put(k, grad.toFloatArray());
            grad.muli(0); // the collector adds to what is there
        });
        return out;
    }

    @Test
    void maskedPositionsContributeNoGradient() {
        List<InstructionExample> two = List.of(data.train().get(0), data.train().get(5));
        InstructionBatches batches = new InstructionBatches(two, tokenizer, true, 256);
        try (LanguageModel lm = tiny(); NDManager m = lm.manager().newSubManager()) {
            NDArray[] batch = batches.batch(m, new int[] {0, 1}, 0, 2);
            long[] targets = batch[1].toLongArray();
            long ignored = Arrays.stream(targets).filter(t -> t == CausalLmLoss.IGNORE_INDEX).count();
            assertThat(ignored).as("prompt and padding are masked").isGreaterThan(40);
            // change every input token whose own target and all later targets are ignored (the
            // padding after the end-of-text): nothing that reaches the loss may change
            long[] inputs = batch[0].toLongArray();
            long[] scrambled = inputs.clone();
            long t = batch[0].getShape().get(1);
            int changedTokens = 0;
            for (int b = 0; b < 2; b++) {
                for (int j = (int) t - 1; j >= 0 && targets[(int) (b * t + j)] == CausalLmLoss.IGNORE_INDEX; j--) {
                    scrambled[(int) (b * t + j)] = 1000 + j;
                    changedTokens++;
                }
            }
            assertThat(changedTokens).isGreaterThan(0);
            Map<String, float[]> a = gradients(lm, batch[0], batch[1]);
            Map<String, float[]> b = gradients(lm, m.create(scrambled).reshape(batch[0].getShape()), batch[1]);
            for (String name : a.keySet()) {
                assertThat(FloatArrays.maxAbsDiff(a.get(name), b.get(name))).as(name).isLessThan(1e-7);
            }
            // whereas a change at a trained position does reach the gradient
            long[] touched = inputs.clone();
            touched[1] = 1234;
            Map<String, float[]> c = gradients(lm, m.create(touched).reshape(batch[0].getShape()), batch[1]);
            assertThat(FloatArrays.maxAbsDiff(a.get("h.0.attn.c_attn.weight"), c.get("h.0.attn.c_attn.weight")))
                    .isGreaterThan(1e-6);
        }
    }

    @Test
    void fineTuningLowersTheValidationLossAndSamplesTheResponse() {
        List<String> samples = new java.util.ArrayList<>();
        Pretrainer.Listener listener = new Pretrainer.Listener() {
            @Override
            public void onSample(int epoch, long step, String text) {
                samples.add(text);
            }
        };
        try (LanguageModel lm = tiny()) {
            Pretrainer.Result r = new InstructionFineTuner(config(3), false, null, tokenizer, tmp, listener)
                    .train(lm, data.train().subList(0, 32), data.validation().subList(0, 8), null);
            List<Evaluation> e = r.evaluations();
            assertThat(e.get(e.size() - 1).validationLoss()).isLessThan(e.get(0).validationLoss() - 0.5);
            assertThat(samples).hasSize(3).allSatisfy(s -> assertThat(s).startsWith(InstructionData.PREAMBLE));
        }
        assertThat(tmp.resolve("checkpoint/state.json")).isNotEmptyFile();
        assertThat(tmp.resolve("loss.png")).isNotEmptyFile();
    }

    @Test
    void loraTrainsOnlyAdaptersAndResumesWithThem() {
        LoraConfig lora = new LoraConfig(2, 4);
        Map<String, float[]> base = new LinkedHashMap<>();
        try (LanguageModel lm = tiny()) {
            lm.block().namedParameters().forEach((k, p) -> base.put(k, p.getArray().toFloatArray()));
            new InstructionFineTuner(config(1), true, lora, tokenizer, tmp, null)
                    .train(lm, data.train().subList(0, 16), data.validation().subList(0, 4), null);
            lm.block().namedParameters().forEach((k, p) ->
                    assertThat(Arrays.equals(p.getArray().toFloatArray(), base.get(k))).as(k).isTrue());
            assertThat(Lora.adapterParameters(lm.block()).get("h.0.mlp.c_fc.lora_B").getArray().abs().sum()
                    .getFloat()).isGreaterThan(0f);
        }
        Path checkpoint = TrainingCheckpoint.find(tmp).orElseThrow();
        assertThat(checkpoint.resolve(Lora.CONFIG_FILE)).exists();
        try (LanguageModel lm = LanguageModel.load(checkpoint, Engine.getInstance().defaultDevice())) {
            assertThat(Lora.configOf(lm.block())).isEqualTo(lora);
            Pretrainer.Result r = new InstructionFineTuner(config(2), true, lora, tokenizer, tmp, null)
                    .train(lm, data.train().subList(0, 16), data.validation().subList(0, 4), checkpoint);
            assertThat(r.steps()).isEqualTo(8);
            lm.block().namedParameters().forEach((k, p) ->
                    assertThat(Arrays.equals(p.getArray().toFloatArray(), base.get(k))).as(k).isTrue());
        }
    }

    @Test
    void theSavedModelHoldsEverythingServeAndChatNeed() throws Exception {
        LoraConfig lora = new LoraConfig(2, 4);
        long[][] ids = {{6109, 3626, 6100, 345}};
        try (LanguageModel lm = tiny()) {
            InstructionFineTuner tuner = new InstructionFineTuner(config(1), true, lora, tokenizer, tmp, null);
            tuner.train(lm, data.train().subList(0, 8), data.validation().subList(0, 4), null);
            float[] tuned;
            try (NDArray x = lm.manager().create(ids); NDArray logits = lm.logits(x)) {
                tuned = logits.toFloatArray();
            }
            InstructionFineTuner.SavedModel saved = tuner.save(lm);
            assertThat(saved.adapters()).isEqualTo(tmp.resolve("adapters"));
            assertThat(saved.adapters().resolve(Lora.CONFIG_FILE)).exists();
            assertThat(saved.adapters().resolve("adapter_model.safetensors")).exists();
            assertThat(saved.model()).isEqualTo(tmp.resolve("model"));
            assertThat(PromptFormatFile.read(saved.model())).isEqualTo(PromptFormat.ALPACA);
            assertThat(saved.model().resolve(PromptFormatFile.FILE)).exists();
            try (LanguageModel back = LanguageModel.load(saved.model(), Engine.getInstance().defaultDevice());
                    Tokenizer t = Tokenizers.forModel(saved.model());
                    NDArray x = back.manager().create(ids);
                    NDArray logits = back.logits(x)) {
                assertThat(Lora.configOf(back.block())).as("adapters merged into the weights").isNull();
                float[] loaded = logits.toFloatArray();
                for (int i = 0; i < tuned.length; i++) {
                    assertThat(loaded[i]).isCloseTo(tuned[i], org.assertj.core.data.Offset.offset(1e-4f));
                }
                assertThat(t).isInstanceOf(Gpt2Tokenizer.class);
            }
        }
    }

    @Test
    void responsesAreStrippedOfThePromptAndRoundTrip() {
        assertThat(InstructionResponses.extract("\n\n### Response:\nThe sky is blue.  ")).isEqualTo("The sky is blue.");
        List<InstructionExample> three = data.test().subList(0, 3);
        List<InstructionResponses.Response> responses;
        try (LanguageModel lm = tiny()) {
            responses = InstructionResponses.generate(lm, tokenizer, three, 5, null);
        }
        assertThat(responses).hasSize(3);
        for (InstructionResponses.Response r : responses) {
            assertThat(r.modelResponse()).doesNotContain("Below is an instruction").doesNotContain("### Response:");
        }
        Path file = tmp.resolve("responses.json");
        InstructionResponses.write(responses, file);
        assertThat(InstructionResponses.read(file, "model_response")).isEqualTo(responses);
    }

    @Test
    void badResponseFilesNameTheEntry() throws Exception {
        Path file = tmp.resolve("bad.json");
        Files.writeString(file, "[{\"instruction\": \"a\", \"output\": \"b\", \"model_response\": \"c\"},"
                + " {\"instruction\": \"a\", \"output\": \"b\"}]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InstructionResponses.read(file, "model_response"))
                .hasMessageContaining("entry 1 has no 'model_response'");
    }
}
