package dev.jgpt.datasets;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Next-token prediction windows over one token stream (the book's {@code GPTDatasetV1}): record
 * {@code i} has inputs {@code ids[i*S : i*S+L]} and targets {@code ids[i*S+1 : i*S+L+1]}, for
 * stride {@code S} and length {@code L}, as many as fit ({@code range(0, n - L, S)}).
 *
 * <p>Records: data {@code (L)} int64, labels {@code (L)} int64; batched {@code (B, L)}.
 */
public final class SlidingWindowDataset extends RandomAccessDataset {

    private final long[] ids;
    private final int maxLength;
    private final int stride;
    private final int windows;

    private SlidingWindowDataset(Builder builder) {
        super(builder);
        this.ids = builder.ids;
        this.maxLength = builder.maxLength;
        this.stride = builder.stride;
        this.windows = windowCount(ids.length, maxLength, stride);
        if (windows == 0) {
            throw new DatasetException(
                    "Text of " + ids.length + " tokens is too short for one window of "
                            + maxLength + " inputs plus 1 target; use a shorter --context-length"
                            + " or more text");
        }
    }

    /** How many windows of {@code maxLength} inputs (plus one target) fit: {@code len(range(0, n - L, S))}. */
    public static int windowCount(int tokens, int maxLength, int stride) {
        return tokens <= maxLength ? 0 : (tokens - maxLength - 1) / stride + 1;
    }

    /** A builder; set the tokens (or text), the window length and stride, and the sampling. */
    public static Builder builder() {
        return new Builder();
    }

    /** The token stream. */
    public long[] tokens() {
        return ids.clone();
    }

    /** The window length {@code L}. */
    public int maxLength() {
        return maxLength;
    }

    @Override
    public Record get(NDManager manager, long index) {
        int start = Math.toIntExact(index * stride);
        long[] in = Arrays.copyOfRange(ids, start, start + maxLength);
        long[] out = Arrays.copyOfRange(ids, start + 1, start + maxLength + 1);
        return new Record(new NDList(manager.create(in)), new NDList(manager.create(out)));
    }

    @Override
    protected long availableSize() {
        return windows;
    }

    @Override
    public void prepare(Progress progress) {
        // everything is in memory already
    }

    /** Builds a {@link SlidingWindowDataset}. */
    public static final class Builder extends SeededBuilder<Builder> {

        long[] ids;
        int maxLength = 256;
        int stride = 256;

        @Override
        protected Builder self() {
            return this;
        }

        /** Uses these token ids. */
        public Builder setTokens(long[] tokens) {
            this.ids = tokens.clone();
            return this;
        }

        /**
         * Tokenizes {@code text} ({@code <|endoftext|>} allowed, as the book does).
         *
         * @throws DatasetException for empty text
         */
        public Builder setText(String text, Tokenizer tokenizer) {
            if (text.isEmpty()) {
                throw new DatasetException("The text is empty");
            }
            this.ids = tokenizer.encode(text);
            return this;
        }

        /**
         * Reads a UTF-8 text file, or every {@code .txt} file of a folder in name order joined by
         * {@code <|endoftext|>}, and tokenizes it.
         */
        public Builder setTextFile(Path fileOrFolder, Tokenizer tokenizer) {
            List<String> texts = TextFiles.readAll(fileOrFolder);
            for (int i = 0; i < texts.size(); i++) {
                if (texts.get(i).isEmpty()) {
                    throw new DatasetException("Empty text file in " + fileOrFolder);
                }
            }
            return setText(String.join(" <|endoftext|> ", texts), tokenizer);
        }

        /** The window length {@code L} (the model's context length); default 256. */
        public Builder setMaxLength(int maxLength) {
            if (maxLength < 1) {
                throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /** The step between windows {@code S}; default 256. */
        public Builder setStride(int stride) {
            if (stride < 1) {
                throw new IllegalArgumentException("stride must be >= 1, got " + stride);
            }
            this.stride = stride;
            return this;
        }


        /**
         * Builds the dataset.
         *
         * @throws DatasetException if no tokens were set or they do not fill one window
         */
        public SlidingWindowDataset build() {
            if (ids == null) {
                throw new IllegalStateException("Set the tokens, a text or a text file first");
            }
            return new SlidingWindowDataset(this);
        }
    }
}
