package dev.jgpt.training;

/**
 * One evaluation of classification fine-tuning. Accuracies and the test loss are {@code NaN}
 * between epochs (the book measures accuracy once per epoch).
 *
 * @param step optimizer steps done
 * @param epoch fractional epochs done
 * @param examplesSeen training examples seen
 * @param trainLoss mean loss over the evaluation batches of the training set
 * @param validationLoss the same on the validation set
 * @param testLoss the same on the test set ({@code NaN} between epochs or without one)
 * @param trainAccuracy accuracy on the training set's evaluation batches
 * @param validationAccuracy the same on the validation set
 * @param testAccuracy the same on the test set
 */
public record ClassifierEvaluation(
        long step,
        double epoch,
        long examplesSeen,
        double trainLoss,
        double validationLoss,
        double testLoss,
        double trainAccuracy,
        double validationAccuracy,
        double testAccuracy) {}
