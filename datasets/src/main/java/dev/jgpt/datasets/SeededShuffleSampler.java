package dev.jgpt.datasets;

import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * A shuffling {@link Sampler.SubSampler} with its own seeded generator (DJL's {@code
 * RandomSampler} draws from a global one): the same seed gives the same order, epoch after epoch.
 */
public final class SeededShuffleSampler implements Sampler.SubSampler {

    private final Random random;

    /** A sampler whose first permutation, and every later one, follows from {@code seed}. */
    public SeededShuffleSampler(long seed) {
        this.random = new Random(seed);
    }

    /** Batches of {@code batchSize} in seeded random order. */
    public static Sampler batches(int batchSize, boolean dropLast, long seed) {
        return new BatchSampler(new SeededShuffleSampler(seed), batchSize, dropLast);
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        List<Long> order = new ArrayList<>();
        for (long i = 0; i < dataset.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        return order.iterator();
    }
}
