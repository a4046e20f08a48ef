package dev.jgpt.training;

/**
 * Settings of a pretraining run. {@link #book()} gives the book's chapter 5 values for
 * the-verdict.
 *
 * @param epochs passes over the training windows
 * @param batchSize windows per optimizer step (before accumulation)
 * @param contextLength tokens per window
 * @param stride step between windows (the book uses the context length)
 * @param learningRate peak learning rate of AdamW
 * @param weightDecay AdamW's decoupled weight decay
 * @param warmupSteps linear warm-up steps; 0 keeps the learning rate fixed (no schedule)
 * @param minLearningRate where the cosine decay ends (used only with warm-up)
 * @param gradClip global gradient-norm limit; 0 disables clipping
 * @param gradAccumulation micro-batches summed into one optimizer step
 * @param evalEvery evaluate every this many optimizer steps
 * @param evalBatches batches of train and validation data each evaluation averages
 * @param checkpointEvery also checkpoint every this many steps (0: only at epoch ends)
 * @param samplePrompt text continued after each epoch (and every {@code sampleEvery} steps)
 * @param sampleTokens tokens generated for that sample
 * @param sampleEvery also sample every this many steps (0: only at epoch ends, as the book)
 * @param seed seeds initial weights, batch order and dropout
 * @param timeBudgetSeconds stop after the step that uses up this much of the run's time in this
 *     process (steps, evaluations and samples), with an evaluation, a sample and a checkpoint (a
 *     resume continues from there); 0: no limit
 */
public record PretrainConfig(
        int epochs,
        int batchSize,
        int contextLength,
        int stride,
        float learningRate,
        float weightDecay,
        int warmupSteps,
        float minLearningRate,
        double gradClip,
        int gradAccumulation,
        int evalEvery,
        int evalBatches,
        int checkpointEvery,
        String samplePrompt,
        int sampleTokens,
        int sampleEvery,
        long seed,
        double timeBudgetSeconds) {

    /** Rejects impossible settings, naming the setting. */
    public PretrainConfig {
        positive("epochs", epochs);
        positive("batchSize", batchSize);
        positive("contextLength", contextLength);
        positive("stride", stride);
        positive("gradAccumulation", gradAccumulation);
        positive("evalEvery", evalEvery);
        positive("evalBatches", evalBatches);
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
        if (warmupSteps < 0 || checkpointEvery < 0 || sampleTokens < 0 || sampleEvery < 0
                || !(gradClip >= 0) || !(timeBudgetSeconds >= 0)) {
            throw new IllegalArgumentException(
                    "warmupSteps, checkpointEvery, sampleTokens, sampleEvery, gradClip and timeBudgetSeconds must be"
                            + " >= 0");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /**
     * The book's {@code train_model_simple} on the-verdict: 10 epochs, batch 2, context 256,
     * AdamW lr 4e-4 and weight decay 0.1, evaluation every 5 steps over 5 batches, a 50-token
     * sample of "Every effort moves you" after each epoch, seed 123: the builder's defaults.
     */
    public static PretrainConfig book() {
        return builder().build();
    }

    /** A builder starting from the book's values ({@link #book()}); each setting is named. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.contextLength = contextLength;
        b.stride = stride == contextLength ? null : stride; // a stride that followed the context still does
        b.learningRate = learningRate;
        b.weightDecay = weightDecay;
        b.warmupSteps = warmupSteps;
        b.minLearningRate = minLearningRate;
        b.gradClip = gradClip;
        b.gradAccumulation = gradAccumulation;
        b.evalEvery = evalEvery;
        b.evalBatches = evalBatches;
        b.checkpointEvery = checkpointEvery;
        b.samplePrompt = samplePrompt;
        b.sampleTokens = sampleTokens;
        b.sampleEvery = sampleEvery;
        b.seed = seed;
        b.timeBudgetSeconds = timeBudgetSeconds;
        return b;
    }

    /** Named settings; the defaults are the book's chapter 5 values, written here once. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 2;
        private int contextLength = 256;
        private Integer stride; // null: the context length, as the book
        private float learningRate = 4e-4f;
        private float weightDecay = 0.1f;
        private int warmupSteps;
        private float minLearningRate;
        private double gradClip;
        private int gradAccumulation = 1;
        private double timeBudgetSeconds;
        private int evalEvery = 5;
        private int evalBatches = 5;
        private int checkpointEvery;
        private String samplePrompt = "Every effort moves you";
        private int sampleTokens = 50;
        private int sampleEvery;
        private long seed = 123;

        private Builder() {}

        /** Passes over the training windows. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Windows (or examples) per optimizer step, before accumulation. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Tokens per window; the stride follows it unless set. */
        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        /** Step between windows (default: the context length). */
        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /** Peak AdamW learning rate. */
        public Builder learningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** AdamW's decoupled weight decay. */
        public Builder weightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Linear warm-up steps then cosine decay to {@code minLearningRate}; 0 keeps the rate fixed. */
        public Builder warmup(int warmupSteps, float minLearningRate) {
            this.warmupSteps = warmupSteps;
            this.minLearningRate = minLearningRate;
            return this;
        }

        /** Global gradient-norm limit; 0 disables clipping. */
        public Builder gradClip(double gradClip) {
            this.gradClip = gradClip;
            return this;
        }

        /** Micro-batches summed into one optimizer step. */
        public Builder gradAccumulation(int gradAccumulation) {
            this.gradAccumulation = gradAccumulation;
            return this;
        }

        /** Evaluate every {@code every} steps, averaging {@code batches} batches of each split. */
        public Builder evaluation(int every, int batches) {
            this.evalEvery = every;
            this.evalBatches = batches;
            return this;
        }

        /** Also checkpoint every this many steps (0: only at epoch ends). */
        public Builder checkpointEvery(int checkpointEvery) {
            this.checkpointEvery = checkpointEvery;
            return this;
        }

        /** The text continued after each epoch, and how many tokens (0: no sample). */
        public Builder sample(String prompt, int tokens) {
            this.samplePrompt = prompt;
            this.sampleTokens = tokens;
            return this;
        }

        /** How many tokens the sample has (0: none), keeping its prompt. */
        public Builder sampleTokens(int tokens) {
            this.sampleTokens = tokens;
            return this;
        }

        /** Also sample every this many steps (0: only at epoch ends, as the book). */
        public Builder sampleEvery(int sampleEvery) {
            this.sampleEvery = sampleEvery;
            return this;
        }

        /** Stop after the step that uses up this much of the run's time (0: no limit). */
        public Builder timeBudgetSeconds(double seconds) {
            this.timeBudgetSeconds = seconds;
            return this;
        }

        /** Seeds initial weights, batch order and dropout. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException naming an impossible setting
         */
        public PretrainConfig build() {
            return new PretrainConfig(epochs, batchSize, contextLength, stride != null ? stride : contextLength,
                    learningRate, weightDecay, warmupSteps, minLearningRate, gradClip, gradAccumulation, evalEvery,
                    evalBatches, checkpointEvery, samplePrompt, sampleTokens, sampleEvery, seed, timeBudgetSeconds);
        }
    }
}
