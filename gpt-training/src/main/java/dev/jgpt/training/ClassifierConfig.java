package dev.jgpt.training;

import dev.jgpt.model.lora.LoraConfig;

/**
 * Settings of classification fine-tuning. {@link #book()} gives the book's chapter 6 values.
 *
 * @param epochs passes over the training set
 * @param batchSize examples per optimizer step
 * @param learningRate AdamW's learning rate (fixed)
 * @param weightDecay AdamW's decoupled weight decay
 * @param trainableBlocks how many of the last transformer blocks train, with the final norm and
 *     the head; {@code -1} trains every parameter (embeddings included); ignored with LoRA
 * @param lora LoRA adapters on every block (weights frozen, head trained), or {@code null}
 * @param evalEvery evaluate the loss every this many steps (the book's {@code eval_freq})
 * @param evalBatches batches the periodic loss and per-epoch accuracies average (the book's
 *     {@code eval_iter}); {@code 0} uses every example
 * @param seed seeds the new head, batch order and dropout
 */
public record ClassifierConfig(
        int epochs,
        int batchSize,
        float learningRate,
        float weightDecay,
        int trainableBlocks,
        LoraConfig lora,
        int evalEvery,
        int evalBatches,
        long seed) {

    /** Rejects impossible settings, naming the setting. */
    public ClassifierConfig {
        if (epochs < 1 || batchSize < 1 || evalEvery < 1) {
            throw new IllegalArgumentException("epochs, batchSize and evalEvery must be >= 1, got "
                    + epochs + ", " + batchSize + ", " + evalEvery);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
        if (trainableBlocks < -1) {
            throw new IllegalArgumentException("trainableBlocks must be -1 (all) or >= 0, got " + trainableBlocks);
        }
        if (evalBatches < 0) {
            throw new IllegalArgumentException("evalBatches must be >= 0, got " + evalBatches);
        }
    }

    /**
     * The book's {@code train_classifier_simple}: 5 epochs, batch 8, AdamW lr 5e-5 and weight
     * decay 0.1, the last block + final norm + head trained, loss every 50 steps over 5 batches,
     * seed 123: the builder's defaults.
     */
    public static ClassifierConfig book() {
        return builder().build();
    }

    /** A builder starting from the book's values ({@link #book()}); each setting is named. */
    public static Builder builder() {
        return new Builder();
    }

    /** Named settings; the defaults are the book's chapter 6 values, written here once. */
    public static final class Builder {
        private int epochs = 5;
        private int batchSize = 8;
        private float learningRate = 5e-5f;
        private float weightDecay = 0.1f;
        private int trainableBlocks = 1;
        private LoraConfig lora;
        private int evalEvery = 50;
        private int evalBatches = 5;
        private long seed = 123;

        private Builder() {}

        /** Passes over the training set. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Examples per optimizer step. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** AdamW's (fixed) learning rate. */
        public Builder learningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** AdamW's decoupled weight decay. */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Train the last {@code blocks} blocks with the final norm and the head; {@code -1}: everything. */
        public Builder trainableBlocks(int blocks) {
            this.trainableBlocks = blocks;
            return this;
        }

        /** Train LoRA adapters (and the head) instead, or {@code null} for none. */
        public Builder lora(LoraConfig lora) {
            this.lora = lora;
            return this;
        }

        /** The loss every {@code every} steps over {@code batches} batches (0: every example). */
        public Builder evaluation(int every, int batches) {
            this.evalEvery = every;
            this.evalBatches = batches;
            return this;
        }

        /** Seeds the new head, batch order and dropout. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException naming an impossible setting
         */
        public ClassifierConfig build() {
            return new ClassifierConfig(epochs, batchSize, learningRate, weightDecay, trainableBlocks, lora, evalEvery,
                    evalBatches, seed);
        }
    }
}
