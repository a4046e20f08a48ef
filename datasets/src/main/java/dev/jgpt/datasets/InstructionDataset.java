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
 * <p>Records: data and labels both {@code [ids (n) int64, promptLength () int64]}.
 */
public final class InstructionDataset extends RandomAccessDataset {

    private final long[][] ids;
    private final long[] promptLengths;

    private InstructionDataset(Builder b) {
        super(b);
        ids = new long[b.examples.size()][];
        promptLengths = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            InstructionExample e = b.examples.get(i);
            ids[i] = b.tokenizer.encode(InstructionData.formatFull(e));
            promptLengths[i] = b.tokenizer.encode(InstructionData.formatPrompt(e)).length;
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The token ids of example {@code i}'s full text. */
    public long[] ids(int i) {
        return ids[i].clone();
    }

    /** The number of prompt tokens of example {@code i}. */
    public long promptLength(int i) {
        return promptLengths[i];
    }

    @Override
    public Record get(NDManager manager, long index) {
        int i = Math.toIntExact(index);
        NDList item = new NDList(manager.create(ids[i]), manager.create(promptLengths[i]));
        return new Record(item, item);
    }

    @Override
    protected long availableSize() {
        return ids.length;
    }

    @Override
    public void prepare(Progress progress) {
        // encoded in the constructor
    }

    /** Builds an {@link InstructionDataset}. */
    public static final class Builder extends SeededBuilder<Builder> {

        List<InstructionExample> examples;
        Tokenizer tokenizer;

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
