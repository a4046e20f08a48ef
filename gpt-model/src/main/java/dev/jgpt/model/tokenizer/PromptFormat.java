package dev.jgpt.model.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a conversation becomes a model's prompt: the one rendering that instruction tuning writes
 * its data in, and {@code chat}, the server and the response generator read. Stored with a tuned
 * model ({@code io/PromptFormatFile}).
 *
 * <p>Alpaca (the book's chapter 7): the preamble (or a system message in its place); each user
 * turn an {@code ### Instruction:}, each assistant turn a {@code ### Response:}; the prompt ends
 * with {@code ### Response:}, so one user message is exactly the prompt the model was tuned on.
 */
public enum PromptFormat {
    /** The book's Alpaca format. */
    ALPACA;

    /** Alpaca's preamble, the book's wording. */
    public static final String PREAMBLE =
            "Below is an instruction that describes a task. "
                    + "Write a response that appropriately completes the request.";

    private static final String INSTRUCTION = "\n\n### Instruction:\n";
    private static final String INPUT = "\n\n### Input:\n";
    private static final String RESPONSE = "\n\n### Response:\n";

    /**
     * An instruction with an optional input, exactly as the book's {@code format_input}: the
     * preamble, {@code ### Instruction:}, and {@code ### Input:} only when the input is non-empty.
     */
    public String instruction(String instruction, String input) {
        String text = PREAMBLE + INSTRUCTION + instruction;
        return input.isEmpty() ? text : text + INPUT + input;
    }

    /** What separates the prompt from the response. */
    public String responsePrefix() {
        return RESPONSE;
    }

    /** What the model is asked: {@link #instruction} followed by {@link #responsePrefix}. */
    public String prompt(String instruction, String input) {
        return instruction(instruction, input) + RESPONSE;
    }

    /**
     * The prompt for a conversation whose last message is the user's.
     *
     * @throws IllegalArgumentException for an empty conversation, a system message after the
     *     first, an unknown role or a last message that is not the user's
     */
    public String render(List<ChatMessage> messages) {
        if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals("user")) {
            throw new IllegalArgumentException("The last message must be the user's");
        }
        StringBuilder sb = new StringBuilder();
        int start = 0;
        if (messages.get(0).role().equals("system")) {
            sb.append(messages.get(0).content());
            start = 1;
        } else {
            sb.append(PREAMBLE);
        }
        for (ChatMessage m : messages.subList(start, messages.size())) {
            switch (m.role()) {
                case "user" -> sb.append(INSTRUCTION);
                case "assistant" -> sb.append(RESPONSE);
                default -> throw new IllegalArgumentException(
                        "A message's role must be user or assistant (or system, first), got '" + m.role() + "'");
            }
            sb.append(m.content());
        }
        return sb.append(RESPONSE).toString();
    }

    /** The name stored in a model folder ({@code alpaca}). */
    public String fileName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The format stored as {@code name}.
     *
     * @throws IllegalArgumentException listing the known formats
     */
    public static PromptFormat byName(String name) {
        for (PromptFormat f : values()) {
            if (f.fileName().equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("Unknown prompt format '" + name + "'; known: "
                + Arrays.stream(values()).map(PromptFormat::fileName).collect(Collectors.joining(", ")));
    }
}
