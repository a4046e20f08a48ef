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
        long seed) {

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
                || !(gradClip >= 0)) {
            throw new IllegalArgumentException(
                    "warmupSteps, checkpointEvery, sampleTokens, sampleEvery and gradClip must be >= 0");
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /**
     * The book's {@code train_model_simple} on the-verdict: 10 epochs, batch 2, context 256,
     * AdamW lr 4e-4 and weight decay 0.1, evaluation every 5 steps over 5 batches, seed 123.
     */
    public static PretrainConfig book() {
        return new PretrainConfig(10, 2, 256, 256, 4e-4f, 0.1f, 0, 0f, 0, 1, 5, 5, 0,
                "Every effort moves you", 50, 0, 123);
    }

    /** A copy with other epochs, batch size and context length (stride = context length). */
    public PretrainConfig withShape(int epochs, int batchSize, int contextLength) {
        return new PretrainConfig(epochs, batchSize, contextLength, contextLength, learningRate,
                weightDecay, warmupSteps, minLearningRate, gradClip, gradAccumulation, evalEvery,
                evalBatches, checkpointEvery, samplePrompt, sampleTokens, sampleEvery, seed);
    }

    /** A copy with other optimizer settings. */
    public PretrainConfig withOptimizer(float lr, float wd, int warmup, float minLr, double clip, int accumulation) {
        return new PretrainConfig(epochs, batchSize, contextLength, stride, lr, wd, warmup, minLr,
                clip, accumulation, evalEvery, evalBatches, checkpointEvery, samplePrompt,
                sampleTokens, sampleEvery, seed);
    }

    /** A copy with other evaluation, checkpoint and sampling settings. */
    public PretrainConfig withReporting(int evalEvery, int evalBatches, int checkpointEvery,
            String prompt, int sampleTokens, long seed) {
        return new PretrainConfig(epochs, batchSize, contextLength, stride, learningRate,
                weightDecay, warmupSteps, minLearningRate, gradClip, gradAccumulation, evalEvery,
                evalBatches, checkpointEvery, prompt, sampleTokens, sampleEvery, seed);
    }
}
