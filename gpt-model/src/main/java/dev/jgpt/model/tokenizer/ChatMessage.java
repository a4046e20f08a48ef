package dev.jgpt.model.tokenizer;

/**
 * One turn of a conversation, as OpenAI's and HF's chat formats have it.
 *
 * @param role {@code system}, {@code user} or {@code assistant}
 * @param content the text
 */
public record ChatMessage(String role, String content) {

    /** A user turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }
}
