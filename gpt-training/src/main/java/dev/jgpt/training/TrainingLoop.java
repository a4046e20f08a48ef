package dev.jgpt.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.PairList;
import dev.jgpt.model.nn.Scalars;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * The one training loop, on DJL's {@link Trainer}, behind pretraining and instruction fine-tuning
 * ({@link Pretrainer}), classification ({@link ClassifierFineTuner}) and {@code bench-train}:
 * epochs of shuffled batches, AdamW with an optional warm-up + cosine schedule, gradient
 * accumulation, global-norm clipping, data parallelism over several devices, the stop on a
 * non-finite loss, and atomic checkpoints a killed run resumes from. What differs between kinds of
 * training (the batches, what happens after a step, what a checkpoint holds) is a {@link Task}.
 *
 * <p>Reproducible on CPU: batch order depends only on {@code (seed, epoch)} and the engine's
 * generator (dropout) is reseeded from {@code (seed, step)} before every step, so a resumed run
 * computes exactly what an uninterrupted one would.
 */
public final class TrainingLoop {

    /**
     * The loop's settings.
     *
     * @param epochs passes over the training examples
     * @param batchSize examples per micro-batch
     * @param gradAccumulation micro-batches per optimizer step
     * @param gradClip global-norm clip, 0 for none
     * @param learningRate peak learning rate
     * @param weightDecay AdamW's decoupled weight decay
     * @param warmupSteps linear warm-up from a tenth of the peak, then cosine decay; 0 for a fixed rate
     * @param minLearningRate where the cosine decay ends
     * @param checkpointEvery a checkpoint every this many steps as well as after every epoch; 0 for
     *     epoch ends only
     * @param seed batch order and dropout
     */
    public record Settings(int epochs, int batchSize, int gradAccumulation, double gradClip, float learningRate,
            float weightDecay, int warmupSteps, float minLearningRate, int checkpointEvery, long seed) {}

    /**
     * One micro-batch.
     *
     * @param inputs what the block's forward takes (row-major: row {@code i} of every array is
     *     example {@code i})
     * @param labels what the loss compares with
     * @param seen what the run counts as seen (tokens for a language model, examples for a
     *     classifier)
     */
    public record Batch(NDList inputs, NDList labels, long seen) {}

    /**
     * Where the run stands after a step.
     *
     * @param step optimizer steps done (1-based)
     * @param totalSteps steps the whole run takes
     * @param epoch the epoch of the step (0-based)
     * @param stepInEpoch the step's index in its epoch (0-based)
     * @param stepsPerEpoch steps per epoch
     * @param loss the step's mean loss
     * @param seen what the batches counted so far ({@link Batch#seen})
     * @param seconds time spent in training steps so far
     * @param learningRate the rate of the step
     * @param outOfTime the run stops after this step: it used up its time budget ({@link #withTimeBudget})
     */
    public record Progress(long step, long totalSteps, int epoch, int stepInEpoch, int stepsPerEpoch, float loss,
            long seen, double seconds, float learningRate, boolean outOfTime) {

        /** Whether the step ended its epoch. */
        public boolean epochEnd() {
            return stepInEpoch + 1 == stepsPerEpoch;
        }

        /** Epochs done, as a fraction ({@code 1.5}: half-way through the second). */
        public double epochs() {
            return epoch + (stepInEpoch + 1) / (double) stepsPerEpoch;
        }
    }

    /** What differs between kinds of training. */
    public interface Task {

        /** The number of training examples. */
        int count();

        /** Examples {@code order[first .. first + size - 1]}, created on {@code manager}. */
        Batch batch(NDManager manager, int[] order, int first, int size);

        /** The shapes the trainer initialises the block with. */
        Shape[] inputShapes();

        /**
         * Called once the trainer exists and before it initialises: freeze what must not train
         * ({@code newTrainer} may have unfrozen a loaded model).
         */
        default void prepare() {}

        /** The parameters the optimizer updates, by the name their moments are saved under. */
        Map<String, Parameter> optimized();

        /** Writes the model into a checkpoint folder; {@code null} for a run without checkpoints. */
        TrainingCheckpoint.ModelWriter modelWriter();

        /** After every step, before its checkpoint: evaluate, sample, report. */
        default void afterStep(Progress progress) {}

        /** After every checkpoint. */
        default void onCheckpoint(Path dir, long step) {}
    }

    /**
     * What a finished run did.
     *
     * @param steps optimizer steps in total
     * @param seen what the batches counted in total
     * @param seconds time spent in training steps
     * @param outOfTime it stopped before the last epoch's end, its time budget used up
     */
    public record Outcome(long steps, long seen, double seconds, boolean outOfTime) {}

    private final Settings settings;
    private final Path out;
    private Device[] devices;
    private double timeBudgetSeconds;

    /** @param out the run's folder, for checkpoints ({@code null} without them) */
    public TrainingLoop(Settings settings, Path out) {
        this.settings = settings;
        this.out = out;
    }

    /**
     * Trains data-parallel on {@code devices} (DJL's multi-device {@code Trainer}: each batch is
     * split by rows, each device holds a copy of the weights, gradients are summed before the
     * update). Default: the model's own device. Returns this.
     *
     * @throws IllegalArgumentException with gradient clipping (it would see one device's
     *     gradients before they are summed)
     */
    public TrainingLoop withDevices(Device... devices) {
        if (devices.length == 0) {
            throw new IllegalArgumentException("No devices given");
        }
        if (Arrays.stream(devices).distinct().count() < devices.length) {
            throw new IllegalArgumentException("Devices must differ, got " + Arrays.toString(devices)
                    + " (DJL counts every CPU as one device: data parallelism needs GPUs)");
        }
        if (devices.length > 1 && settings.gradClip() > 0) {
            throw new IllegalArgumentException("Gradient clipping is not supported across several"
                    + " devices (it would clip one device's gradients before they are summed)");
        }
        this.devices = devices.clone();
        return this;
    }

    /**
     * Stops a run after the step that uses up {@code seconds} of this process's time (checkpointing
     * there, so a resume continues); 0: no limit. Returns this.
     */
    public TrainingLoop withTimeBudget(double seconds) {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("The time budget must be >= 0 seconds, got " + seconds);
        }
        this.timeBudgetSeconds = seconds;
        return this;
    }

    /** The steps one epoch of {@code examples} takes (the book drops the last partial batch). */
    public int stepsPerEpoch(int examples) {
        return examples / settings.batchSize() / settings.gradAccumulation();
    }

    /**
     * Trains {@code model} on {@code task}.
     *
     * @param resumeFrom a checkpoint folder from {@link TrainingCheckpoint#find} whose model
     *     {@code model} was loaded from, or {@code null} to start fresh
     * @throws TrainingDivergedException if the loss stops being finite (the last checkpoint stays)
     */
    public Outcome run(Model model, Task task, Path resumeFrom) {
        int stepsPerEpoch = stepsPerEpoch(task.count());
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("The training data gives " + task.count()
                    + " examples: too few for one step of " + settings.batchSize() * settings.gradAccumulation());
        }
        long totalSteps = (long) stepsPerEpoch * settings.epochs();
        TrainingCheckpoint.State state = resumeFrom == null
                ? new TrainingCheckpoint.State(0, 0, 0, 0, 0)
                : TrainingCheckpoint.readState(resumeFrom);
        ResumableAdamW optimizer = ResumableAdamW.builder()
                .optLearningRateTracker(schedule(totalSteps))
                .optWeightDecays(settings.weightDecay())
                .optBeginNumUpdate((int) state.step())
                .build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(new CausalLmLoss()).optOptimizer(optimizer);
        if (devices != null) {
            config.optDevices(devices);
            if (devices.length > 1 && settings.gradAccumulation() > 1
                    && !GradientAccumulation.accumulates(model.getNDManager().getEngine())) {
                throw new IllegalArgumentException("Gradient accumulation across several devices needs an"
                        + " engine whose backward adds to the gradients (PyTorch); "
                        + model.getNDManager().getEngine().getEngineName() + " overwrites them");
            }
        }
        long began = System.nanoTime();
        long step = state.step();
        long seen = state.tokensSeen();
        double seconds = state.elapsedSeconds();
        try (Trainer trainer = model.newTrainer(config)) {
            task.prepare(); // after newTrainer, which may unfreeze everything
            trainer.initialize(task.inputShapes());
            Map<String, Parameter> optimized = task.optimized();
            if (resumeFrom != null) {
                TrainingCheckpoint.loadOptimizer(resumeFrom, optimized, model.getNDManager(), optimizer);
            }
            PairList<String, Parameter> parameters = model.getBlock().getParameters();
            for (int epoch = state.epoch(); epoch < settings.epochs(); epoch++) {
                int[] order = order(task.count(), settings.seed(), epoch);
                int first = epoch == state.epoch() ? state.nextBatch() : 0;
                for (int s = first; s < stepsPerEpoch; s++) {
                    long start = System.nanoTime();
                    long[] counted = {0};
                    float loss = step(trainer, parameters, task, order, s, step, counted);
                    seconds += (System.nanoTime() - start) / 1e9;
                    step++;
                    seen += counted[0];
                    boolean outOfTime = timeBudgetSeconds > 0 && step < totalSteps
                            && (System.nanoTime() - began) / 1e9 >= timeBudgetSeconds;
                    Progress progress = new Progress(step, totalSteps, epoch, s, stepsPerEpoch, loss, seen, seconds,
                            optimizer.currentLearningRate(), outOfTime);
                    task.afterStep(progress);
                    boolean every = settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0;
                    TrainingCheckpoint.ModelWriter writer = task.modelWriter();
                    if (writer != null && (progress.epochEnd() || every || outOfTime)) {
                        TrainingCheckpoint.State now = progress.epochEnd()
                                ? new TrainingCheckpoint.State(step, epoch + 1, 0, seen, seconds)
                                : new TrainingCheckpoint.State(step, epoch, s + 1, seen, seconds);
                        TrainingCheckpoint.save(out, writer, optimized, optimizer, now);
                        task.onCheckpoint(out.resolve(TrainingCheckpoint.DIR), step);
                    }
                    if (outOfTime) {
                        return new Outcome(step, seen, seconds, true);
                    }
                }
            }
        }
        return new Outcome(step, seen, seconds, false);
    }

    private ParameterTracker schedule(long totalSteps) {
        if (settings.warmupSteps() == 0) {
            return Tracker.fixed(settings.learningRate());
        }
        // the book's appendix D warms up from a tenth of the peak
        return new WarmupCosineTracker(settings.learningRate() * 0.1f, settings.learningRate(),
                settings.minLearningRate(), settings.warmupSteps(),
                (int) Math.max(totalSteps, settings.warmupSteps() + 1L));
    }

    /** One optimizer step over {@code gradAccumulation} micro-batches; returns their mean loss. */
    private float step(Trainer trainer, PairList<String, Parameter> parameters, Task task, int[] order,
            int stepInEpoch, long globalStep, long[] counted) {
        trainer.getManager().getEngine().setRandomSeed((int) (settings.seed() * 1_000_003L + globalStep));
        int k = settings.gradAccumulation();
        int b = settings.batchSize();
        float sum = 0;
        // before the collector: the engine may be probed, and only one collector can be open
        try (GradientAccumulation accumulation = k > 1 ? new GradientAccumulation(parameters, trainer.getManager()) : null;
                GradientCollector gc = trainer.newGradientCollector()) {
            for (int m = 0; m < k; m++) {
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    Batch batch = task.batch(scope, order, (stepInEpoch * k + m) * b, b);
                    counted[0] += batch.seen();
                    // data parallel: each device takes a slice of the rows; its loss is weighted
                    // by its share, so the summed gradients are those of the whole batch
                    Device[] devs = trainer.getDevices();
                    int rows = (int) batch.inputs().head().getShape().get(0);
                    int parts = Math.min(devs.length, rows);
                    for (int d = 0; d < parts; d++) {
                        int from = rows * d / parts;
                        int to = rows * (d + 1) / parts;
                        NDList x = parts == 1 ? batch.inputs() : slice(batch.inputs(), from, to, devs[d], scope);
                        NDList y = parts == 1 ? batch.labels() : slice(batch.labels(), from, to, devs[d], scope);
                        NDArray loss = trainer.getLoss().evaluate(y, trainer.forward(x));
                        float value = loss.getFloat();
                        if (!Float.isFinite(value)) {
                            throw new TrainingDivergedException("The loss is " + value + " at step "
                                    + (globalStep + 1) + "; stopped without applying it. The last good"
                                    + " checkpoint is in " + (out == null ? "(none: no checkpoints)"
                                            : out.resolve(TrainingCheckpoint.DIR))
                                    + " (try a lower learning rate or gradient clipping)");
                        }
                        float share = (to - from) / (float) rows / k;
                        gc.backward(share == 1f ? loss : Scalars.mul(loss, share)); // see Scalars
                        sum += value * (to - from) / rows;
                    }
                    if (k > 1) {
                        accumulation.afterBackward(m == k - 1);
                    }
                }
            }
            if (settings.gradClip() > 0) {
                GradientClipping.clipGlobalNorm(parameters, settings.gradClip());
            }
            trainer.step();
        }
        return sum / k;
    }

    /** Rows {@code from .. to-1} of every array in {@code list} on {@code device}, owned by {@code scope}. */
    private static NDList slice(NDList list, int from, int to, Device device, NDManager scope) {
        NDList out = new NDList(list.size());
        for (NDArray a : list) {
            NDArray part = a.get(from + ":" + to);
            if (!part.getDevice().equals(device)) {
                part = part.toDevice(device, true);
                part.attach(scope);
            }
            out.add(part);
        }
        return out;
    }

    /**
     * The identity for {@code epoch < 0}, else a permutation of {@code 0 .. n-1} that depends
     * only on {@code (seed, epoch)}.
     */
    public static int[] order(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (epoch >= 0) {
            Random r = new Random(seed * 7_919L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }
}
