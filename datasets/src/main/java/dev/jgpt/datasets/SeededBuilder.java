package dev.jgpt.datasets;

import ai.djl.training.dataset.RandomAccessDataset;

/**
 * A dataset builder whose shuffling is seeded (DJL's own random sampler is not).
 *
 * @param <T> the concrete builder
 */
public abstract class SeededBuilder<T extends SeededBuilder<T>> extends RandomAccessDataset.BaseBuilder<T> {

    /**
     * Batches of {@code batchSize}, shuffled with {@code seed} (or in order when {@code shuffle}
     * is false), optionally dropping a last partial batch.
     */
    public T setSampling(int batchSize, boolean shuffle, boolean dropLast, long seed) {
        return shuffle
                ? setSampling(SeededShuffleSampler.batches(batchSize, dropLast, seed))
                : setSampling(batchSize, false, dropLast);
    }
}
