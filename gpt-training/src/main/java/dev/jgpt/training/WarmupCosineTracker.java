package dev.jgpt.training;

import ai.djl.training.tracker.Tracker;

/**
 * The book's learning-rate schedule (appendix D): linear warm-up from {@code initialLr} to {@code
 * peakLr} over {@code warmupSteps}, then cosine decay to {@code minLr} at {@code totalSteps}, then
 * flat. Steps count optimizer updates from 1, as DJL's trackers do.
 */
public final class WarmupCosineTracker implements Tracker {

    private final float initialLr;
    private final float peakLr;
    private final float minLr;
    private final int warmupSteps;
    private final int totalSteps;

    /**
     * @param initialLr learning rate at the first update
     * @param peakLr learning rate at the end of warm-up
     * @param minLr learning rate at the end of the decay
     * @param warmupSteps updates spent warming up ({@code >= 0})
     * @param totalSteps updates until the decay ends ({@code > warmupSteps})
     */
    public WarmupCosineTracker(
            float initialLr, float peakLr, float minLr, int warmupSteps, int totalSteps) {
        if (warmupSteps < 0 || totalSteps <= warmupSteps) {
            throw new IllegalArgumentException(
                    "Need 0 <= warmupSteps < totalSteps, got " + warmupSteps + " and " + totalSteps);
        }
        if (!(peakLr > 0) || minLr < 0 || initialLr < 0) {
            throw new IllegalArgumentException("Learning rates must be >= 0 and the peak > 0");
        }
        this.initialLr = initialLr;
        this.peakLr = peakLr;
        this.minLr = minLr;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    @Override
    public float getNewValue(int numUpdate) {
        int step = numUpdate - 1; // 0-based, as the book's global_step
        if (step < warmupSteps) {
            return initialLr + (peakLr - initialLr) * step / warmupSteps;
        }
        double progress = Math.min(1.0, (step - warmupSteps) / (double) (totalSteps - warmupSteps));
        return (float) (minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * progress)));
    }
}
