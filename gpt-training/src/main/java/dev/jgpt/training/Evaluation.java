package dev.jgpt.training;

/**
 * One periodic evaluation of a pretraining run.
 *
 * @param step optimizer steps done
 * @param epoch fractional epochs done
 * @param tokensSeen input tokens trained on
 * @param trainLoss mean loss over the first evaluation batches of the training data
 * @param validationLoss mean loss over the first evaluation batches of the validation data
 * @param learningRate the learning rate of the next step
 * @param tokensPerSecond training throughput so far (evaluation time excluded)
 */
public record Evaluation(
        long step,
        double epoch,
        long tokensSeen,
        double trainLoss,
        double validationLoss,
        float learningRate,
        double tokensPerSecond) {

    /** {@code exp(validationLoss)}. */
    public double validationPerplexity() {
        return Math.exp(validationLoss);
    }
}
