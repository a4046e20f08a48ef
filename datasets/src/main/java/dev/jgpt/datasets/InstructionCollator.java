package dev.jgpt.datasets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Batchifier;
import java.util.Arrays;

/**
 * The book's {@code custom_collate_fn} for instruction fine-tuning: append the end-of-text id,
 * pad every sequence of the batch to the longest (with the pad id, GPT-2's end-of-text as in the
 * book), shift by one for the targets, ignore (-100) every target past the appended end-of-text,
 * optionally also ignore the targets that would predict prompt tokens, and optionally cut to an
 * allowed maximum length. Padding is told by position, not by value, so a tokenizer whose pad or
 * end id also occurs in text (or whose vocabulary gives 50256 to an ordinary token) is safe.
 *
 * <p>Input: items {@code [ids (n), promptLength ()]}. Output: inputs {@code (B, T)} and targets
 * {@code (B, T)}, int64, from {@link #inputs()} and {@link #targets()} respectively.
 */
public final class InstructionCollator {

    /** GPT-2's end-of-text, the book's end and padding id. */
    public static final long PAD_ID = 50256;

    /** Targets with this value contribute nothing to the loss. */
    public static final long IGNORE_INDEX = -100;

    private final boolean maskPrompt;
    private final int allowedMaxLength;
    private final long endId;
    private final long padId;

    /**
     * The book's collation with GPT-2's end-of-text ({@link #PAD_ID}) as end and padding.
     *
     * @param maskPrompt ignore the targets inside the prompt, so only the response is learned
     * @param allowedMaxLength cut inputs and targets to this many positions; 0 for no limit
     */
    public InstructionCollator(boolean maskPrompt, int allowedMaxLength) {
        this(maskPrompt, allowedMaxLength, PAD_ID, PAD_ID);
    }

    /**
     * @param endId appended after each example: the tokenizer's end-of-text, which the model learns to write
     * @param padId fills each row to the batch's longest (its targets are ignored)
     */
    public InstructionCollator(boolean maskPrompt, int allowedMaxLength, long endId, long padId) {
        if (allowedMaxLength < 0) {
            throw new IllegalArgumentException("allowedMaxLength must be >= 0, got " + allowedMaxLength);
        }
        this.maskPrompt = maskPrompt;
        this.allowedMaxLength = allowedMaxLength;
        this.endId = endId;
        this.padId = padId;
    }

    /** The batchifier for the data side: padded inputs. */
    public Batchifier inputs() {
        return new Side(false);
    }

    /** The batchifier for the label side: shifted, masked targets. */
    public Batchifier targets() {
        return new Side(true);
    }

    /**
     * Collates plain arrays: {@code [0]} inputs, {@code [1]} targets, each {@code [B][T]}.
     *
     * @param ids each example's token ids
     * @param promptLengths each example's prompt length in tokens
     */
    public long[][][] collate(long[][] ids, long[] promptLengths) {
        int longest = 0;
        for (long[] row : ids) {
            longest = Math.max(longest, row.length + 1);
        }
        int t = allowedMaxLength > 0 ? Math.min(longest - 1, allowedMaxLength) : longest - 1;
        long[][] inputs = new long[ids.length][];
        long[][] targets = new long[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            long[] padded = Arrays.copyOf(ids[b], longest);
            padded[ids[b].length] = endId;
            Arrays.fill(padded, ids[b].length + 1, longest, padId);
            long[] in = Arrays.copyOfRange(padded, 0, longest - 1);
            long[] out = Arrays.copyOfRange(padded, 1, longest);
            // out[j] predicts token j + 1: the end-of-text is out[n - 1], padding comes after it
            Arrays.fill(out, ids[b].length, out.length, IGNORE_INDEX);
            if (maskPrompt) {
                // out[j] predicts token j + 1; the prompt's tokens are 0 .. P-1
                int upto = (int) Math.min(promptLengths[b] - 1, out.length);
                Arrays.fill(out, 0, Math.max(upto, 0), IGNORE_INDEX);
            }
            inputs[b] = Arrays.copyOf(in, t);
            targets[b] = Arrays.copyOf(out, t);
        }
        return new long[][][] {inputs, targets};
    }

    /** One side of the collation as a DJL batchifier. */
    final class Side implements Batchifier {

        private final boolean targetSide;

        Side(boolean targetSide) {
            this.targetSide = targetSide;
        }

        @Override
        public NDList batchify(NDList[] items) {
            long[][] ids = new long[items.length][];
            long[] prompts = new long[items.length];
            for (int i = 0; i < items.length; i++) {
                ids[i] = items[i].get(0).toLongArray();
                prompts[i] = items[i].get(1).getLong();
            }
            long[][] side = collate(ids, prompts)[targetSide ? 1 : 0];
            NDManager manager = items[0].get(0).getManager();
            long[] flat = new long[side.length * side[0].length];
            for (int i = 0; i < side.length; i++) {
                System.arraycopy(side[i], 0, flat, i * side[0].length, side[0].length);
            }
            return new NDList(manager.create(flat).reshape(side.length, side[0].length));
        }

        @Override
        public NDList[] unbatchify(NDList inputs) {
            NDArray batch = inputs.singletonOrThrow();
            NDList[] out = new NDList[(int) batch.getShape().get(0)];
            for (int i = 0; i < out.length; i++) {
                out[i] = new NDList(batch.get(i));
            }
            return out;
        }
    }
}
