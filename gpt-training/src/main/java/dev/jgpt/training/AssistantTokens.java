package dev.jgpt.training;

import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A conversation as a model's chat template renders it, encoded for training: the token ids and
 * which of them the loss learns. Learned are the assistant's turns, from the end of the prompt the
 * template writes for that turn ({@code add_generation_prompt=True}) through the first end token
 * of the turn ({@code <|im_end|>}, {@code <|eot_id|>}); the system and user turns and the
 * template's scaffolding (role headers, the newline after an end token) are not.
 *
 * <p>Each piece is encoded on its own, so a turn's prompt has exactly the ids that generation is
 * later given, and the learned ids are what it should answer.
 *
 * @param ids the token ids, {@code (n)}
 * @param learned {@code learned[i]}: token {@code i} is a target of the loss, {@code (n)}
 */
public record AssistantTokens(long[] ids, boolean[] learned) {

    /** Checks the lengths agree. */
    public AssistantTokens {
        if (ids.length != learned.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + learned.length + " mask entries");
        }
    }

    /** The number of learned tokens. */
    public int learnedCount() {
        int n = 0;
        for (boolean b : learned) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /**
     * Renders and encodes {@code conversation} with {@code format}'s chat template.
     *
     * @param templateArgs more template variables ({@code enable_thinking=false} for Qwen3)
     * @throws IllegalArgumentException when the format has no chat template, the conversation
     *     has no assistant turn, or the template renders a turn's prompt as something the
     *     conversation's text does not begin with (so the assistant's tokens cannot be told)
     */
    public static AssistantTokens encode(ChatFormat format, Tokenizer tokenizer, List<ChatMessage> conversation,
            Map<String, ?> templateArgs) {
        if (!format.hasTemplate()) {
            throw new IllegalArgumentException("Training in the chat format needs a chat template; this model uses the "
                    + format.describe());
        }
        List<String> ends = new ArrayList<>();
        for (long id : tokenizer.endIds()) {
            ends.add(tokenizer.decode(new long[] {id}));
        }
        // the whole conversation as the template renders it is what is encoded (a template may
        // write earlier turns differently once later ones follow: Qwen3 drops their think blocks)
        String all = format.render(conversation, false, templateArgs);
        Pieces pieces = new Pieces();
        int done = 0; // characters of all encoded so far
        for (int k = 0; k < conversation.size(); k++) {
            if (!"assistant".equals(conversation.get(k).role())) {
                continue;
            }
            String prompt = format.render(conversation.subList(0, k), true, templateArgs);
            if (!all.startsWith(prompt) || prompt.length() < done) {
                throw new IllegalArgumentException("The chat template renders the prompt of message " + (k + 1)
                        + " (an assistant turn) as text that the conversation's own rendering does not begin"
                        + " with, so the assistant's tokens cannot be told apart"
                        + (templateArgs.isEmpty() ? "" : " (template arguments " + templateArgs.keySet() + ")"));
            }
            int end = endOfTurn(all, prompt.length(), ends);
            if (end < 0) {
                String turn = format.render(conversation.subList(0, k + 1), false, templateArgs);
                if (k + 1 < conversation.size() || !turn.equals(all)) {
                    throw new IllegalArgumentException("Message " + (k + 1) + " (an assistant turn) has no end token"
                            + " (" + ends + ") after it, so where it ends cannot be told");
                }
                end = all.length(); // the last turn of a template that writes no end token
            }
            pieces.add(tokenizer, all.substring(done, prompt.length()), false);
            pieces.add(tokenizer, all.substring(prompt.length(), end), true);
            done = end;
        }
        if (done == 0) {
            throw new IllegalArgumentException("The conversation has no assistant turn to learn");
        }
        pieces.add(tokenizer, all.substring(done), false); // scaffolding after the last answer
        return pieces.build();
    }

    /** Where the turn that starts at {@code from} ends: just after its first end token; -1 without one. */
    private static int endOfTurn(String text, int from, List<String> ends) {
        int cut = -1;
        for (String end : ends) {
            int at = end.isEmpty() ? -1 : text.indexOf(end, from);
            if (at >= 0 && (cut < 0 || at + end.length() < cut)) {
                cut = at + end.length();
            }
        }
        return cut;
    }

    /** Ids and mask, grown piece by piece. */
    private static final class Pieces {
        private long[] ids = new long[64];
        private boolean[] learned = new boolean[64];
        private int n;

        void add(Tokenizer tokenizer, String text, boolean learn) {
            long[] piece = tokenizer.encode(text);
            if (n + piece.length > ids.length) {
                int size = Math.max(ids.length * 2, n + piece.length);
                ids = Arrays.copyOf(ids, size);
                learned = Arrays.copyOf(learned, size);
            }
            System.arraycopy(piece, 0, ids, n, piece.length);
            Arrays.fill(learned, n, n + piece.length, learn);
            n += piece.length;
        }

        AssistantTokens build() {
            return new AssistantTokens(Arrays.copyOf(ids, n), Arrays.copyOf(learned, n));
        }
    }
}
