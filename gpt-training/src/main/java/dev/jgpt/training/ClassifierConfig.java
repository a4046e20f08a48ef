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
     * seed 123.
     */
    public static ClassifierConfig book() {
        return new ClassifierConfig(5, 8, 5e-5f, 0.1f, 1, null, 50, 5, 123);
    }

    /** A copy with other optimisation settings. */
    public ClassifierConfig withOptimizer(int epochs, int batchSize, float learningRate, float weightDecay) {
        return new ClassifierConfig(epochs, batchSize, learningRate, weightDecay, trainableBlocks, lora,
                evalEvery, evalBatches, seed);
    }

    /** A copy training the last {@code blocks} blocks ({@code -1}: everything) or LoRA adapters. */
    public ClassifierConfig withTrainable(int blocks, LoraConfig lora) {
        return new ClassifierConfig(epochs, batchSize, learningRate, weightDecay, blocks, lora,
                evalEvery, evalBatches, seed);
    }

    /** A copy with other evaluation settings and seed. */
    public ClassifierConfig withEvaluation(int evalEvery, int evalBatches, long seed) {
        return new ClassifierConfig(epochs, batchSize, learningRate, weightDecay, trainableBlocks, lora,
                evalEvery, evalBatches, seed);
    }
}
