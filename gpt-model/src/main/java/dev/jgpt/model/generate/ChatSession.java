package dev.jgpt.model.generate;

import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A conversation with a model, kept between turns: each {@link #reply} renders the whole
 * conversation with the model's {@link ChatFormat}, generates the assistant's answer and keeps it,
 * so the next turn sees everything said. When the rendered conversation and the answer's token
 * budget would not fit the context, the oldest exchanges (after a system message) are dropped
 * whole, never cut mid-turn, since a cut would break the template's structure.
 */
public final class ChatSession {

    private final TextGenerator generator;
    private final Tokenizer tokenizer;
    private final ChatFormat format;
    private final int contextLength;
    private final Map<String, ?> templateArgs;
    private final List<ChatMessage> messages = new ArrayList<>();
    private int dropped;

    /**
     * A new conversation, opened by {@code system} when it is not null.
     *
     * @param contextLength the model's context: prompt and answer together fit in it
     * @param templateArgs passed to every rendering ({@code enable_thinking=false})
     */
    public ChatSession(TextGenerator generator, Tokenizer tokenizer, ChatFormat format, int contextLength,
            Map<String, ?> templateArgs, String system) {
        this.generator = generator;
        this.tokenizer = tokenizer;
        this.format = format;
        this.contextLength = contextLength;
        this.templateArgs = Map.copyOf(templateArgs);
        if (system != null) {
            messages.add(new ChatMessage("system", system));
        }
    }

    /**
     * Adds the user's {@code text}, generates the answer (streamed to {@code onText} if given) and
     * adds it to the conversation.
     *
     * @return the answer
     * @throws IllegalArgumentException if even the last message alone leaves no room for an answer
     *     of {@code sampling.maxNewTokens()} tokens, or the format refuses the conversation; the
     *     conversation is then as it was before the call
     */
    public String reply(String text, SamplingConfig sampling, Consumer<String> onText) {
        List<ChatMessage> next = new ArrayList<>(messages);
        next.add(new ChatMessage("user", text));
        int before = next.size();
        long[] prompt = fittingPrompt(next, sampling.maxNewTokens()); // changes nothing here if it throws
        String answer = generator.generate(prompt, sampling, onText);
        if (next.size() < before) {
            dropped += countExchanges(before - next.size());
        }
        next.add(new ChatMessage("assistant", answer));
        messages.clear();
        messages.addAll(next);
        return answer;
    }

    private static int countExchanges(int removedMessages) {
        return (removedMessages + 1) / 2;
    }

    /**
     * The ids of {@code messages} rendered, oldest exchanges dropped from it until it leaves
     * {@code answerTokens} free (encoded once per try, and what is measured is what runs).
     */
    private long[] fittingPrompt(List<ChatMessage> messages, int answerTokens) {
        while (true) {
            long[] prompt = tokenizer.encode(format.prompt(messages, templateArgs));
            int tokens = prompt.length;
            if (tokens + answerTokens <= contextLength) {
                return prompt;
            }
            int first = !messages.isEmpty() && messages.get(0).role().equals("system") ? 1 : 0;
            if (messages.size() - first <= 1) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "The message takes %,d tokens"
                        + " and the answer %,d: together more than the model's context of %,d", tokens, answerTokens,
                        contextLength));
            }
            messages.remove(first); // a user turn,
            if (messages.size() - first > 1 && messages.get(first).role().equals("assistant")) {
                messages.remove(first); // and its answer
            }
        }
    }

    /** The conversation so far (a copy). */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** How many of the oldest exchanges were dropped to fit the context. */
    public int droppedExchanges() {
        return dropped;
    }

    /** Forgets everything but the system message. */
    public void reset() {
        messages.removeIf(m -> !m.role().equals("system"));
        dropped = 0;
    }
}
