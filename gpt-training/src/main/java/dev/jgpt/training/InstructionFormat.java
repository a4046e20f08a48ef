package dev.jgpt.training;

import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.io.PromptFormatFile;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.ChatTemplate;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How instruction examples ({@code instruction}, {@code input}, {@code output}) become training
 * text and prompts: the book's Alpaca format ({@link #alpaca}) or the model's own chat template
 * ({@link #chat}: instruction and input as the user's turn, the output as the assistant's, the
 * loss on the assistant's tokens only). Instruction tuning, its sample, the test responses and
 * the saved model all follow the one format.
 */
public interface InstructionFormat {

    /** The text generation continues to answer {@code e}. */
    String prompt(InstructionExample e);

    /** The answer within {@code continuation}, a generated continuation of {@link #prompt}. */
    String response(String continuation);

    /** Training batches of {@code examples}, each cut to {@code maxLength} positions. */
    TrainingBatches batches(List<InstructionExample> examples, Tokenizer tokenizer, int maxLength);

    /**
     * Writes into a tuned model's folder (its tokenizer files already there) what makes {@link
     * ChatFormat#forModel} prompt it the way it was trained.
     */
    void saveWith(Path modelDir) throws IOException;

    /**
     * The book's Alpaca format (chapter 7): {@code ### Instruction:}, {@code ### Input:}, {@code
     * ### Response:}, an end-of-text after the output, stored as {@code prompt_format.json}.
     *
     * @param maskPrompt also ignore the prompt's targets (only the response is learned)
     */
    static InstructionFormat alpaca(boolean maskPrompt) {
        return new Alpaca(maskPrompt);
    }

    /**
     * The model's chat template ({@code format} must have one); the template travels with the
     * tokenizer files, so {@code serve} and {@code chat} render as trained.
     *
     * @param system a system turn before each user turn, or {@code null} for none
     * @param templateArgs more template variables ({@code enable_thinking=false} for Qwen3)
     * @throws IllegalArgumentException when {@code format} has no chat template
     */
    static InstructionFormat chat(ChatFormat format, String system, Map<String, ?> templateArgs) {
        if (!format.hasTemplate()) {
            throw new IllegalArgumentException("The chat format needs a chat template; this model uses the "
                    + format.describe());
        }
        return new Chat(format, system, Map.copyOf(templateArgs));
    }

    /** The book's format. */
    record Alpaca(boolean maskPrompt) implements InstructionFormat {

        @Override
        public String prompt(InstructionExample e) {
            return InstructionData.formatPrompt(e);
        }

        @Override
        public String response(String continuation) {
            return InstructionResponses.extract(continuation);
        }

        @Override
        public TrainingBatches batches(List<InstructionExample> examples, Tokenizer tokenizer, int maxLength) {
            return new InstructionBatches(examples, tokenizer, maskPrompt, maxLength);
        }

        @Override
        public void saveWith(Path modelDir) throws IOException {
            PromptFormatFile.save(PromptFormat.ALPACA, modelDir);
        }
    }

    /** A chat template's format. */
    record Chat(ChatFormat format, String system, Map<String, ?> templateArgs) implements InstructionFormat {

        /** The conversation of {@code e}: the system turn if any, the user's, and the output as the answer. */
        public List<ChatMessage> conversation(InstructionExample e) {
            List<ChatMessage> m = question(e);
            m.add(new ChatMessage("assistant", e.output()));
            return m;
        }

        private List<ChatMessage> question(InstructionExample e) {
            List<ChatMessage> m = new ArrayList<>(3);
            if (system != null) {
                m.add(new ChatMessage("system", system));
            }
            String input = e.input() == null || e.input().isBlank() ? "" : "\n\n" + e.input();
            m.add(ChatMessage.user(e.instruction() + input));
            return m;
        }

        @Override
        public String prompt(InstructionExample e) {
            return format.prompt(question(e), templateArgs);
        }

        /** The text after a reasoning block ({@code <think>…</think>}, Qwen3's), trimmed. */
        @Override
        public String response(String continuation) {
            int think = continuation.lastIndexOf("</think>");
            return (think < 0 ? continuation : continuation.substring(think + "</think>".length())).strip();
        }

        @Override
        public TrainingBatches batches(List<InstructionExample> examples, Tokenizer tokenizer, int maxLength) {
            List<AssistantTokens> encoded = new ArrayList<>(examples.size());
            for (InstructionExample e : examples) {
                encoded.add(AssistantTokens.encode(format, tokenizer, conversation(e), templateArgs));
            }
            return new ChatBatches(encoded, tokenizer.padId(), maxLength);
        }

        /**
         * Writes the template as {@code chat_template.jinja}, which HF and {@link ChatFormat#forModel}
         * read first, and removes a {@code prompt_format.json} an earlier Alpaca tuning left there
         * (it would win). {@code system} and the template arguments are not stored: give them again
         * when prompting.
         */
        @Override
        public void saveWith(Path modelDir) throws IOException {
            AtomicFiles.writeString(modelDir.resolve(ChatTemplate.TEMPLATE_FILE), format.template().orElseThrow().source());
            java.nio.file.Files.deleteIfExists(modelDir.resolve(PromptFormatFile.FILE));
        }
    }
}
