package dev.jgpt.datasets;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Instruction examples encoded for fine-tuning (the book's {@code InstructionDataset}). Each
 * record carries the token ids of the full Alpaca text and the prompt's length; {@link
 * InstructionCollator} turns a batch of them into inputs and masked targets, so the builder sets
 * it as both the data and the label batchifier.
 *
 * <p>Examples are encoded the first time they are read ({@link #prepare} encodes them all), so
 * a large data set starts training at once; with {@link Builder#optMaxLength} an entry longer
 * than the context is cut before it is encoded.
 *
 * <p>Records: data and labels both {@code [ids (n) int64, promptLength () int64]}.
 */
public final class InstructionDataset extends RandomAccessDataset {

    /**
     * Characters kept per allowed token before encoding: far more than any token of the supported
     * vocabularies spans, so the kept tokens are those of the whole text, while a megabyte-long
     * entry costs no more to encode than a short one.
     */
    static final int CHARS_PER_TOKEN = 64;

    private final List<InstructionExample> examples;
    private final Tokenizer tokenizer;
    private final int maxTokens;
    private final long[][] ids;
    private final long[] promptLengths;

    private InstructionDataset(Builder b) {
        super(b);
        examples = b.examples;
        tokenizer = b.tokenizer;
        maxTokens = b.maxTokens;
        ids = new long[examples.size()][];
        promptLengths = new long[ids.length];
    }

    /** Encodes example {@code i} the first time it is asked for (so training starts at once). */
    private synchronized void encode(int i) {
        if (ids[i] != null) {
            return;
        }
        InstructionExample e = examples.get(i);
        long[] full = tokenizer.encode(cut(InstructionData.formatFull(e)));
        long[] prompt = tokenizer.encode(cut(InstructionData.formatPrompt(e)));
        // one more id than positions: the last input's target
        ids[i] = maxTokens > 0 && full.length > maxTokens + 1 ? java.util.Arrays.copyOf(full, maxTokens + 1) : full;
        promptLengths[i] = Math.min(prompt.length, ids[i].length);
    }

    private String cut(String text) {
        if (maxTokens <= 0) {
            return text;
        }
        long limit = Math.max(4096L, (maxTokens + 1L) * CHARS_PER_TOKEN);
        if (text.length() <= limit) {
            return text;
        }
        int end = (int) limit;
        return text.substring(0, Character.isHighSurrogate(text.charAt(end - 1)) ? end - 1 : end);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The token ids of example {@code i}'s full text. */
    public long[] ids(int i) {
        encode(i);
        return ids[i].clone();
    }

    /** The number of prompt tokens of example {@code i}. */
    public long promptLength(int i) {
        encode(i);
        return promptLengths[i];
    }

    @Override
    public Record get(NDManager manager, long index) {
        int i = Math.toIntExact(index);
        encode(i);
        NDList item = new NDList(manager.create(ids[i]), manager.create(promptLengths[i]));
        return new Record(item, item);
    }

    @Override
    protected long availableSize() {
        return ids.length;
    }

    @Override
    public void prepare(Progress progress) {
        if (progress != null) {
            progress.reset("Encoding instructions", ids.length);
        }
        for (int i = 0; i < ids.length; i++) {
            encode(i);
            if (progress != null) {
                progress.increment(1);
            }
        }
    }

    /** Builds an {@link InstructionDataset}. */
    public static final class Builder extends SeededBuilder<Builder> {

        List<InstructionExample> examples;
        Tokenizer tokenizer;
        int maxTokens;

        @Override
        protected Builder self() {
            return this;
        }

        /** The examples and the tokenizer. */
        public Builder setExamples(List<InstructionExample> examples, Tokenizer tokenizer) {
            this.examples = List.copyOf(examples);
            this.tokenizer = tokenizer;
            return this;
        }

        /**
         * Keeps at most {@code maxTokens + 1} ids of each example (what a batch cut to {@code
         * maxTokens} positions reads), encoding only the start of a longer text; 0 keeps all.
         */
        public Builder optMaxLength(int maxTokens) {
            if (maxTokens < 0) {
                throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /** Pads and masks batches with {@code collator} (inputs as data, targets as labels). */
        public Builder setCollator(InstructionCollator collator) {
            optDataBatchifier(collator.inputs());
            optLabelBatchifier(collator.targets());
            return this;
        }


        /** Builds the dataset; set a collator first (the default stack cannot batch ragged ids). */
        public InstructionDataset build() {
            if (examples == null || examples.isEmpty()) {
                throw new DatasetException("No instruction examples");
            }
            if (!(dataBatchifier instanceof InstructionCollator.Side)) {
                throw new IllegalStateException("Call setCollator(...) before build()");
            }
            return new InstructionDataset(this);
        }
    }
}
