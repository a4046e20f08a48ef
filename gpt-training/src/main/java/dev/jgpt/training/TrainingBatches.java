package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Examples a language-model trainer draws batches from: next-token windows of a text, or padded
 * instruction examples. The trainer chooses the order, so a resumed run can replay it.
 */
public interface TrainingBatches {

    /** The number of examples. */
    int count();

    /**
     * Inputs and targets of examples {@code order[first] .. order[first + size - 1]}.
     *
     * @return {@code [inputs (B, T), targets (B, T)]} on {@code manager}; targets may hold
     *     {@link CausalLmLoss#IGNORE_INDEX}
     */
    NDArray[] batch(NDManager manager, int[] order, int first, int size);
}
