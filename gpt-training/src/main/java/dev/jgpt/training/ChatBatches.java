package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Conversations in a model's chat format ({@link AssistantTokens}) as language-model batches:
 * inputs are each conversation's ids but the last, targets the next ids where the assistant
 * speaks and {@link CausalLmLoss#IGNORE_INDEX} elsewhere; each batch is padded to its longest
 * conversation (inputs with the tokenizer's pad id, targets ignored) and cut to the context.
 */
public final class ChatBatches implements TrainingBatches {

    private final List<AssistantTokens> examples;
    private final long padId;
    private final int maxLength;

    /**
     * @param padId the input id of padding positions (their targets are ignored)
     * @param maxLength cut batches to this many positions (the model's context)
     */
    public ChatBatches(List<AssistantTokens> examples, long padId, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
        for (int i = 0; i < examples.size(); i++) {
            if (examples.get(i).ids().length < 2) {
                throw new IllegalArgumentException("Conversation " + (i + 1) + " has fewer than 2 tokens");
            }
        }
        this.examples = List.copyOf(examples);
        this.padId = padId;
        this.maxLength = maxLength;
    }

    @Override
    public int count() {
        return examples.size();
    }

    /**
     * Plain arrays of {@link #batch}: {@code [0]} inputs, {@code [1]} targets, each {@code [B][T]}.
     */
    public long[][][] collate(int[] order, int first, int size) {
        int longest = 0;
        for (int b = 0; b < size; b++) {
            longest = Math.max(longest, examples.get(order[first + b]).ids().length - 1);
        }
        int t = Math.min(longest, maxLength);
        long[][] inputs = new long[size][t];
        long[][] targets = new long[size][t];
        for (int b = 0; b < size; b++) {
            AssistantTokens e = examples.get(order[first + b]);
            Arrays.fill(inputs[b], padId);
            Arrays.fill(targets[b], CausalLmLoss.IGNORE_INDEX);
            int n = Math.min(e.ids().length - 1, t);
            for (int j = 0; j < n; j++) {
                inputs[b][j] = e.ids()[j];
                if (e.learned()[j + 1]) {
                    targets[b][j] = e.ids()[j + 1];
                }
            }
        }
        return new long[][][] {inputs, targets};
    }

    @Override
    public NDArray[] batch(NDManager manager, int[] order, int first, int size) {
        long[][][] c = collate(order, first, size);
        return new NDArray[] {manager.create(c[0]), manager.create(c[1])};
    }
}
