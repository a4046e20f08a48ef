package dev.jgpt.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.testing.FloatArrays;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat-format training data: what the loss learns is the assistant's turns, nothing else. */
class AssistantTokensTest {

    @TempDir static Path tmp;

    private static Path qwenDir;
    private static Path llamaDir;
    private static Tokenizer qwen;
    private static Tokenizer llama;
    private static ChatFormat qwenChat;
    private static ChatFormat llamaChat;

    @BeforeAll
    static void setUp() {
        qwenDir = TestData.modelFolder("qwen3-tiny", tmp);
        llamaDir = TestData.modelFolder("llama32-tiny", tmp);
        qwen = Tokenizers.forModel(qwenDir);
        llama = Tokenizers.forModel(llamaDir);
        qwenChat = ChatFormat.forModel(qwenDir);
        llamaChat = ChatFormat.forModel(llamaDir);
    }

    @AfterAll
    static void tearDown() {
        qwen.close();
        llama.close();
    }

    private static final List<ChatMessage> ONE_TURN = List.of(new ChatMessage("system", "Be brief."),
            ChatMessage.user("Name a colour."), new ChatMessage("assistant", "Blue."));

    /** The text of the learned ids and of the others, each run joined by '|'. */
    private static String[] split(Tokenizer t, AssistantTokens a) {
        StringBuilder learned = new StringBuilder();
        StringBuilder masked = new StringBuilder();
        for (int i = 0; i < a.ids().length; i++) {
            StringBuilder to = a.learned()[i] ? learned : masked;
            boolean runStart = i == 0 || a.learned()[i - 1] != a.learned()[i];
            if (runStart && to.length() > 0) {
                to.append('|');
            }
            to.append(t.decode(new long[] {a.ids()[i]}));
        }
        return new String[] {learned.toString(), masked.toString()};
    }

    @Test
    void qwen3LearnsTheAnswerItsEmptyThinkBlockAndImEnd() {
        AssistantTokens a = AssistantTokens.encode(qwenChat, qwen, ONE_TURN, Map.of());
        String[] parts = split(qwen, a);
        // the template writes an empty think block before the last answer: the model learns to write it
        assertThat(parts[0]).isEqualTo("<think>\n\n</think>\n\nBlue.<|im_end|>");
        assertThat(parts[1]).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nName a colour."
                + "<|im_end|>\n<|im_start|>assistant\n|\n");
        assertThat(qwen.decode(a.ids())).isEqualTo(qwenChat.render(ONE_TURN, false, Map.of()));
        // the masked prompt is exactly what generation is given for this question
        long[] prompt = qwen.encode(qwenChat.prompt(ONE_TURN.subList(0, 2), Map.of()));
        assertThat(Arrays.copyOf(a.ids(), prompt.length)).containsExactly(prompt);
        assertThat(a.learned()[prompt.length - 1]).isFalse();
        assertThat(a.learned()[prompt.length]).isTrue();
    }

    @Test
    void qwen3WithoutThinkingMasksTheThinkBlockAsPrompt() {
        AssistantTokens a = AssistantTokens.encode(qwenChat, qwen, ONE_TURN, Map.of("enable_thinking", false));
        assertThat(split(qwen, a)[0]).isEqualTo("Blue.<|im_end|>");
    }

    @Test
    void llamaLearnsTheAnswerAndEotWithOneBeginOfText() {
        AssistantTokens a = AssistantTokens.encode(llamaChat, llama, ONE_TURN, Map.of());
        assertThat(split(llama, a)[0]).isEqualTo("Blue.<|eot_id|>");
        assertThat(a.ids()[0]).isEqualTo(128000L);
        assertThat(Arrays.stream(a.ids()).filter(id -> id == 128000L).count()).isEqualTo(1);
    }

    @Test
    void everyAssistantTurnOfAConversationIsLearned() {
        List<ChatMessage> two = List.of(ChatMessage.user("Name a colour."), new ChatMessage("assistant", "Blue."),
                ChatMessage.user("Another?"), new ChatMessage("assistant", "Red."));
        assertThat(split(llama, AssistantTokens.encode(llamaChat, llama, two, Map.of()))[0])
                .isEqualTo("Blue.<|eot_id|>|Red.<|eot_id|>");
        String[] q = split(qwen, AssistantTokens.encode(qwenChat, qwen, two, Map.of()));
        assertThat(q[0]).isEqualTo("Blue.<|im_end|>|<think>\n\n</think>\n\nRed.<|im_end|>");
        assertThat(q[1]).contains("Name a colour.").contains("Another?").doesNotContain("Blue").doesNotContain("Red");
    }

    @Test
    void conversationsTheMaskCannotBeToldAreRefused() {
        assertThatThrownBy(() -> AssistantTokens.encode(ChatFormat.of(PromptFormat.ALPACA), qwen, ONE_TURN, Map.of()))
                .hasMessageContaining("needs a chat template");
        assertThatThrownBy(() -> AssistantTokens.encode(qwenChat, qwen, ONE_TURN.subList(0, 2), Map.of()))
                .hasMessageContaining("no assistant turn");
    }

    @Test
    void alpacaExamplesBecomeUserAndAssistantTurns() {
        InstructionFormat.Chat f = (InstructionFormat.Chat) InstructionFormat.chat(llamaChat, null, Map.of());
        InstructionExample e = new InstructionExample("Translate to French.", "cat", "chat");
        assertThat(f.conversation(e)).containsExactly(ChatMessage.user("Translate to French.\n\ncat"),
                new ChatMessage("assistant", "chat"));
        assertThat(f.conversation(new InstructionExample("Say hi.", "", "hi")).get(0).content()).isEqualTo("Say hi.");
        assertThat(f.prompt(e)).endsWith("Translate to French.\n\ncat<|eot_id|><|start_header_id|>assistant"
                + "<|end_header_id|>\n\n");
        assertThat(f.response("<think>\nhm\n</think>\n\n chat ")).isEqualTo("chat");
    }

    @Test
    void batchesPadAndIgnoreAllButTheAnswersAndCutToTheContext() {
        AssistantTokens a = AssistantTokens.encode(qwenChat, qwen, ONE_TURN, Map.of());
        AssistantTokens b = AssistantTokens.encode(qwenChat, qwen, List.of(ChatMessage.user("Hi"),
                new ChatMessage("assistant", "Hello, how can I help you today?")), Map.of());
        ChatBatches batches = new ChatBatches(List.of(a, b), qwen.padId(), 1024);
        long[][][] c = batches.collate(new int[] {1, 0}, 0, 2);
        int t = Math.max(a.ids().length, b.ids().length) - 1;
        assertThat(c[0][0]).hasSize(t);
        for (int row = 0; row < 2; row++) {
            AssistantTokens x = row == 0 ? b : a;
            for (int j = 0; j < t; j++) {
                boolean real = j < x.ids().length - 1;
                assertThat(c[0][row][j]).isEqualTo(real ? x.ids()[j] : qwen.padId());
                long want = real && x.learned()[j + 1] ? x.ids()[j + 1] : CausalLmLoss.IGNORE_INDEX;
                assertThat(c[1][row][j]).as("row %d position %d", row, j).isEqualTo(want);
            }
        }
        long[][][] cut = new ChatBatches(List.of(a, b), qwen.padId(), 7).collate(new int[] {0, 1}, 0, 2);
        assertThat(cut[0][0]).hasSize(7);
        assertThat(cut[1][1]).hasSize(7);
    }

    @Test
    void theAlpacaFormatOnQwen3EndsWithItsEndIdNotGpt2s() {
        InstructionExample e = new InstructionExample("Say hi.", "", "hi");
        TrainingBatches b = InstructionFormat.alpaca(false).batches(List.of(e, new InstructionExample("Name a colour"
                + " that is often used for the sky.", "", "Blue.")), qwen, 1024);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray[] batch = b.batch(m, new int[] {0, 1}, 0, 2);
            long[] targets = batch[1].toLongArray();
            long[] inputs = batch[0].toLongArray();
            int t = (int) batch[1].getShape().get(1);
            long[] row = Arrays.copyOfRange(targets, 0, t);
            int last = t - 1;
            while (row[last] == CausalLmLoss.IGNORE_INDEX) {
                last--;
            }
            assertThat(row[last]).isEqualTo(qwen.endIds()[0]);
            assertThat(inputs[last + 1]).isEqualTo(qwen.endIds()[0]); // the end is the next input, then padding
            assertThat(Arrays.copyOfRange(inputs, last + 2, t)).isNotEmpty().containsOnly(qwen.padId());
            assertThat(targets).doesNotContain(50256L);
        }
    }

    /** Gradients of {@code loss} on a tiny qwen3 model. */
    private static Map<String, float[]> gradients(LanguageModel lm, NDArray inputs,
            java.util.function.Function<NDArray, NDArray> loss) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Parameter> params = lm.block().namedParameters();
        params.values().forEach(p -> p.getArray().setRequiresGradient(true));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray logits = lm.block().logits(new ParameterStore(lm.manager(), false), inputs, ForwardState.inference());
            gc.backward(loss.apply(logits));
        }
        params.forEach((k, p) -> {
            NDArray grad = p.getArray().getGradient();
            out.put(k, grad.toFloatArray());
            grad.muli(0);
        });
        return out;
    }

    @Test
    void theLossOnlyReadsTheAnswersTargets() {
        List<AssistantTokens> two = List.of(AssistantTokens.encode(qwenChat, qwen, ONE_TURN, Map.of()),
                AssistantTokens.encode(qwenChat, qwen, List.of(ChatMessage.user("Hi"),
                        new ChatMessage("assistant", "Hello!")), Map.of()));
        ChatBatches batches = new ChatBatches(two, qwen.padId(), 1024);
        try (LanguageModel lm = LanguageModel.load(qwenDir, Engine.getInstance().defaultDevice());
                NDManager m = lm.manager().newSubManager()) {
            long[][][] c = batches.collate(new int[] {0, 1}, 0, 2);
            int t = c[0][0].length;
            NDArray inputs = m.create(flat(c[0])).reshape(2, t);
            NDArray targets = m.create(flat(c[1])).reshape(2, t);
            Map<String, float[]> trained = gradients(lm, inputs,
                    logits -> new CausalLmLoss().evaluate(new NDList(targets), new NDList(logits)));
            // the same loss written out over the answer positions alone, from the mask: any value
            // a masked target could have is never read
            List<int[]> answer = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                AssistantTokens x = two.get(b);
                for (int j = 0; j + 1 < x.ids().length; j++) {
                    if (x.learned()[j + 1]) {
                        answer.add(new int[] {b, j});
                        ids.add(x.ids()[j + 1]);
                    }
                }
            }
            Map<String, float[]> byHand = gradients(lm, inputs, logits -> {
                NDArray sum = null;
                for (int i = 0; i < answer.size(); i++) {
                    NDArray lp = logits.get(answer.get(i)[0]).get(answer.get(i)[1]).logSoftmax(0).get(ids.get(i));
                    sum = sum == null ? lp : sum.add(lp);
                }
                return sum.neg().div(answer.size());
            });
            for (String name : trained.keySet()) {
                assertThat(FloatArrays.maxAbsDiff(trained.get(name), byHand.get(name))).as(name).isLessThan(1e-6);
            }
            // and the test can fail: one prompt target let through changes the gradient
            long[] leaky = flat(c[1]);
            leaky[1] = two.get(0).ids()[2];
            NDArray leakyTargets = m.create(leaky).reshape(2, t);
            Map<String, float[]> leaked = gradients(lm, inputs,
                    logits -> new CausalLmLoss().evaluate(new NDList(leakyTargets), new NDList(logits)));
            assertThat(FloatArrays.maxAbsDiff(trained.get("model.embed_tokens.weight"),
                    leaked.get("model.embed_tokens.weight"))).isGreaterThan(1e-6);
        }
    }

    private static long[] flat(long[][] rows) {
        return Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    }
}
