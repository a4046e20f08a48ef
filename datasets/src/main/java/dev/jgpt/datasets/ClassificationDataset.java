package dev.jgpt.datasets;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Labelled texts encoded to equal length for classification (the book's {@code SpamDataset}):
 * each text is tokenized, cut to the maximum length, and padded on the right with the tokenizer's
 * pad id ({@code Tokenizer.padId()}: GPT-2's {@code <|endoftext|>}, 50256). The maximum is the longest encoded text unless given; validation and
 * test sets should use the training set's {@link #maxLength()}.
 *
 * <p>Records: data {@code (L)} int64, label scalar int64; batched {@code (B, L)} and {@code (B)}.
 */
public final class ClassificationDataset extends RandomAccessDataset {


    private final long[][] encoded;
    private final long[] labels;
    private final int[] lengths;
    private final int maxLength;

    private ClassificationDataset(Builder b) {
        super(b);
        long[][] raw = new long[b.texts.size()][];
        int longest = 0;
        for (int i = 0; i < raw.length; i++) {
            raw[i] = b.tokenizer.encode(b.texts.get(i).text());
            longest = Math.max(longest, raw[i].length);
        }
        maxLength = b.maxLength > 0 ? b.maxLength : longest;
        if (maxLength == 0) {
            throw new DatasetException("Every text is empty");
        }
        encoded = new long[raw.length][];
        labels = new long[raw.length];
        lengths = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            long[] row = Arrays.copyOf(raw[i], maxLength); // cuts or extends
            Arrays.fill(row, Math.min(raw[i].length, maxLength), maxLength, b.tokenizer.padId());
            encoded[i] = row;
            lengths[i] = Math.max(1, Math.min(raw[i].length, maxLength)); // an empty text reads its pad
            labels[i] = b.texts.get(i).label();
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The length every record has. */
    public int maxLength() {
        return maxLength;
    }

    /** The encoded, padded ids of record {@code i}. */
    public long[] ids(int i) {
        return encoded[i].clone();
    }

    /** The real (unpadded) token count of record {@code i}, at least 1. */
    public int length(int i) {
        return lengths[i];
    }

    /** The label of record {@code i}. */
    public long label(int i) {
        return labels[i];
    }

    @Override
    public Record get(NDManager manager, long index) {
        int i = Math.toIntExact(index);
        return new Record(new NDList(manager.create(encoded[i])), new NDList(manager.create(labels[i])));
    }

    @Override
    protected long availableSize() {
        return encoded.length;
    }

    @Override
    public void prepare(Progress progress) {
        // encoded in the constructor
    }

    /** Builds a {@link ClassificationDataset}. */
    public static final class Builder extends SeededBuilder<Builder> {

        List<LabeledText> texts;
        Tokenizer tokenizer;
        int maxLength;

        @Override
        protected Builder self() {
            return this;
        }

        /** The examples and the tokenizer to encode them with. */
        public Builder setTexts(List<LabeledText> texts, Tokenizer tokenizer) {
            this.texts = List.copyOf(texts);
            this.tokenizer = tokenizer;
            return this;
        }

        /** Pads or cuts every text to this many tokens (default: the longest text). */
        public Builder optMaxLength(int maxLength) {
            if (maxLength < 1) {
                throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }


        /** Builds the dataset, encoding every text. */
        public ClassificationDataset build() {
            if (texts == null || texts.isEmpty()) {
                throw new DatasetException("No texts to encode");
            }
            return new ClassificationDataset(this);
        }
    }
}
