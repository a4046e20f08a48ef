package dev.jgpt.examples.cli;

import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.training.InstructionFormat;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --format}, {@code --system}, {@code --template-arg}: how instruction examples are prompted. */
final class InstructionFormatOptions {

    @Option(names = "--format", defaultValue = "auto",
            description = "auto: the model's chat template when it has one, else the book's Alpaca format; chat; alpaca"
                    + " (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--system", description = "A system turn before each instruction (chat format only).")
    String system;

    @CommandLine.Mixin TemplateArgsOption templateArgs;

    /**
     * The format for a model whose files are in {@code folder} ({@code null}: a model without
     * tokenizer files, GPT-2's).
     *
     * @param maskPrompt the Alpaca format's {@code --mask-prompt}
     * @throws IllegalArgumentException for an unknown {@code --format}, {@code chat} without a
     *     template, or chat settings with the Alpaca format
     */
    InstructionFormat resolve(Path folder, boolean maskPrompt) {
        ChatFormat chat = folder == null ? ChatFormat.of(PromptFormat.ALPACA) : ChatFormat.forModel(folder);
        String f = format.toLowerCase(Locale.ROOT);
        boolean useChat = switch (f) {
            case "auto" -> chat.hasTemplate();
            case "chat" -> true;
            case "alpaca" -> false;
            default -> throw new IllegalArgumentException("--format must be auto, chat or alpaca, got '" + format + "'");
        };
        if (!useChat) {
            if (system != null || !templateArgs.isEmpty()) {
                throw new IllegalArgumentException("--system and --template-arg need the chat format; this run uses the"
                        + " Alpaca format");
            }
            return InstructionFormat.alpaca(maskPrompt);
        }
        return InstructionFormat.chat(chat, system, templateArgs.values());
    }

    /** What {@link #resolve} chose, for the run's first line. */
    static String describe(InstructionFormat f) {
        return f instanceof InstructionFormat.Chat ? "chat template (loss on the assistant's tokens)" : "Alpaca format";
    }
}
