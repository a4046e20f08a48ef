package dev.jgpt.datasets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.Batchifier;
import java.util.Arrays;

/**
 * The book's {@code custom_collate_fn} for instruction fine-tuning: append {@code <|endoftext|>},
 * pad every sequence of the batch to the longest with it, shift by one for the targets, replace
 * every padding target after the first with the ignore index -100, optionally also ignore the
 * targets that would predict prompt tokens, and optionally cut to an allowed maximum length.
 *
 * <p>Input: items {@code [ids (n), promptLength ()]}. Output: inputs {@code (B, T)} and targets
 * {@code (B, T)}, int64, from {@link #inputs()} and {@link #targets()} respectively.
 */
public final class InstructionCollator {

    /** The padding (and end-of-text) id. */
    public static final long PAD_ID = 50256;

    /** Targets with this value contribute nothing to the loss. */
    public static final long IGNORE_INDEX = -100;

    private final boolean maskPrompt;
    private final int allowedMaxLength;

    /**
     * @param maskPrompt ignore the targets inside the prompt, so only the response is learned
     * @param allowedMaxLength cut inputs and targets to this many positions; 0 for no limit
     */
    public InstructionCollator(boolean maskPrompt, int allowedMaxLength) {
        if (allowedMaxLength < 0) {
            throw new IllegalArgumentException("allowedMaxLength must be >= 0, got " + allowedMaxLength);
        }
        this.maskPrompt = maskPrompt;
        this.allowedMaxLength = allowedMaxLength;
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
            Arrays.fill(padded, ids[b].length, longest, PAD_ID); // the end-of-text, then padding
            long[] in = Arrays.copyOfRange(padded, 0, longest - 1);
            long[] out = Arrays.copyOfRange(padded, 1, longest);
            boolean firstPadSeen = false;
            for (int j = 0; j < out.length; j++) {
                if (out[j] == PAD_ID) {
                    if (firstPadSeen) {
                        out[j] = IGNORE_INDEX;
                    }
                    firstPadSeen = true;
                }
            }
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
