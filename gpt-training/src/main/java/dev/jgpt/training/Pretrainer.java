package dev.jgpt.training;

import ai.djl.Device;
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
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.nn.Scalars;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.datasets.SlidingWindowDataset;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Pretraining with DJL's {@link Trainer}, the book's {@code train_model_simple} with the
 * extras a long run needs: AdamW with an optional warm-up + cosine schedule, global-norm
 * clipping, gradient accumulation, periodic train/validation loss and perplexity, a sample after
 * every epoch, {@code metrics.csv}, {@code loss.png}, and checkpoints that a killed run resumes
 * from.
 *
 * <p>Reproducible on CPU: batch order depends only on {@code (seed, epoch)} and the engine's
 * generator (dropout) is reseeded from {@code (seed, step)} before every step, so a resumed run
 * computes exactly what an uninterrupted one would.
 */
public final class Pretrainer {

    /** What a run reports while it goes. */
    public interface Listener {

        /** After each optimizer step. */
        default void onStep(long step, long totalSteps, int epoch, float loss) {}

        /** After each evaluation. */
        default void onEvaluation(Evaluation evaluation) {}

        /**
         * After each epoch (and every {@code sampleEvery} steps), with the prompt and its greedy
         * continuation.
         */
        default void onSample(int epoch, long step, String text) {}

        /** After each checkpoint. */
        default void onCheckpoint(Path dir, long step) {}
    }

    /**
     * What a finished run did.
     *
     * @param steps optimizer steps done in total
     * @param tokensSeen input tokens trained on in total
     * @param evaluations every evaluation, resumed ones included
     * @param trainingSeconds time spent in training steps
     */
    public record Result(long steps, long tokensSeen, List<Evaluation> evaluations, double trainingSeconds) {}

    private final PretrainConfig cfg;
    private final Tokenizer tokenizer;
    private final Path out;
    private final Listener listener;
    private String plotTitle = "Pretraining loss";
    private Device[] devices;

    /**
     * @param out the run's folder: {@code checkpoint/}, {@code metrics.csv}, {@code loss.png}
     */
    public Pretrainer(PretrainConfig cfg, Tokenizer tokenizer, Path out, Listener listener) {
        this.cfg = cfg;
        this.tokenizer = tokenizer;
        this.out = out;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    /**
     * Trains data-parallel on {@code devices} (DJL's multi-device {@code Trainer}: each batch is
     * split by rows, each device holds a copy of the weights, gradients are summed before the
     * update). Default: the model's own device. Returns this.
     *
     * @throws IllegalArgumentException with gradient clipping (it would see one device's
     *     gradients before they are summed), or with gradient accumulation on an engine whose
     *     backward overwrites gradients
     */
    public Pretrainer withDevices(Device... devices) {
        if (devices.length == 0) {
            throw new IllegalArgumentException("No devices given");
        }
        if (java.util.Arrays.stream(devices).distinct().count() < devices.length) {
            throw new IllegalArgumentException("Devices must differ, got " + java.util.Arrays.toString(devices)
                    + " (DJL counts every CPU as one device: data parallelism needs GPUs)");
        }
        if (devices.length > 1) {
            if (cfg.gradClip() > 0) {
                throw new IllegalArgumentException("Gradient clipping is not supported across several"
                        + " devices (it would clip one device's gradients before they are summed)");
            }
        }
        this.devices = devices.clone();
        return this;
    }

    /** Titles {@code loss.png} (default "Pretraining loss"); returns this. */
    public Pretrainer withPlotTitle(String title) {
        this.plotTitle = title;
        return this;
    }

    /**
     * Trains {@code lm} on windows of {@code trainIds}, evaluating on {@code valIds}.
     *
     * @param resumeFrom a checkpoint folder from {@link TrainingCheckpoint#find} whose model
     *     {@code lm} was loaded from, or {@code null} to start fresh
     * @throws TrainingDivergedException if the loss stops being finite (the last checkpoint stays)
     */
    public Result train(LanguageModel lm, long[] trainIds, long[] valIds, Path resumeFrom) {
        int length = cfg.contextLength();
        if (length > lm.config().contextLength()) {
            throw new IllegalArgumentException("Context length " + length + " exceeds the model's "
                    + lm.config().contextLength());
        }
        return train(lm, new Windows(trainIds, length, cfg.stride(), "training"),
                new Windows(valIds, length, cfg.stride(), "validation"), resumeFrom);
    }

    /**
     * Trains {@code lm} on batches of {@code train} (at most {@code contextLength} positions),
     * evaluating on {@code val}; {@link #train(LanguageModel, long[], long[], Path)} for any data.
     */
    public Result train(LanguageModel lm, TrainingBatches train, TrainingBatches val, Path resumeFrom) {
        int length = cfg.contextLength();
        int microBatches = train.count() / cfg.batchSize(); // the book drops the last partial batch
        int stepsPerEpoch = microBatches / cfg.gradAccumulation();
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("The training data gives " + train.count()
                    + " examples: too few for one step of " + cfg.batchSize() * cfg.gradAccumulation());
        }
        long totalSteps = (long) stepsPerEpoch * cfg.epochs();
        TrainingCheckpoint.State state = resumeFrom == null
                ? new TrainingCheckpoint.State(0, 0, 0, 0, 0)
                : TrainingCheckpoint.readState(resumeFrom);
        ResumableAdamW optimizer = ResumableAdamW.builder()
                .optLearningRateTracker(schedule(totalSteps))
                .optWeightDecays(cfg.weightDecay())
                .optBeginNumUpdate((int) state.step())
                .build();
        if (resumeFrom != null) {
            TrainingCheckpoint.loadOptimizer(resumeFrom, lm, optimizer);
        }
        CsvLog<Evaluation> metrics = MetricsLog.open(out.resolve("metrics.csv"), state.step());
        long step = state.step();
        long tokensSeen = state.tokensSeen();
        double seconds = state.elapsedSeconds();
        DefaultTrainingConfig config = new DefaultTrainingConfig(new CausalLmLoss()).optOptimizer(optimizer);
        if (devices != null) {
            config.optDevices(devices);
            if (devices.length > 1 && cfg.gradAccumulation() > 1
                    && !GradientAccumulation.accumulates(lm.manager().getEngine())) {
                throw new IllegalArgumentException("Gradient accumulation across several devices needs an"
                        + " engine whose backward adds to the gradients (PyTorch); "
                        + lm.manager().getEngine().getEngineName() + " overwrites them");
            }
        }
        try (Trainer trainer = lm.model().newTrainer(config)) {
            trainer.initialize(new Shape(cfg.batchSize(), Math.min(length, lm.config().contextLength())));
            PairList<String, Parameter> parameters = lm.block().getParameters();
            for (int epoch = state.epoch(); epoch < cfg.epochs(); epoch++) {
                int[] order = order(train.count(), cfg.seed(), epoch);
                int first = epoch == state.epoch() ? state.nextBatch() : 0;
                for (int s = first; s < stepsPerEpoch; s++) {
                    long start = System.nanoTime();
                    long[] tokens = {0};
                    float loss = step(trainer, parameters, train, order, s, step, tokens);
                    seconds += (System.nanoTime() - start) / 1e9;
                    step++;
                    tokensSeen += tokens[0];
                    listener.onStep(step, totalSteps, epoch, loss);
                    if (step % cfg.evalEvery() == 0) {
                        Evaluation e = new Evaluation(step, epoch + (s + 1) / (double) stepsPerEpoch,
                                tokensSeen, meanLoss(lm, train), meanLoss(lm, val),
                                optimizer.currentLearningRate(), tokensSeen / Math.max(seconds, 1e-9));
                        metrics.add(e);
                        listener.onEvaluation(e);
                    }
                    boolean epochEnd = s + 1 == stepsPerEpoch;
                    boolean sampleNow = epochEnd || (cfg.sampleEvery() > 0 && step % cfg.sampleEvery() == 0);
                    if (sampleNow && cfg.sampleTokens() > 0 && !cfg.samplePrompt().isEmpty()) {
                        listener.onSample(epoch, step, sample(lm));
                    }
                    if (epochEnd || (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0)) {
                        TrainingCheckpoint.State now = epochEnd
                                ? new TrainingCheckpoint.State(step, epoch + 1, 0, tokensSeen, seconds)
                                : new TrainingCheckpoint.State(step, epoch, s + 1, tokensSeen, seconds);
                        TrainingCheckpoint.save(out, lm, optimizer, now);
                        listener.onCheckpoint(out.resolve(TrainingCheckpoint.DIR), step);
                    }
                }
            }
        }
        try {
            LossPlot.write(metrics.rows(), out.resolve("loss.png"), plotTitle);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the loss plot: " + e, e);
        }
        return new Result(step, tokensSeen, metrics.rows(), seconds);
    }

    private ParameterTracker schedule(long totalSteps) {
        if (cfg.warmupSteps() == 0) {
            return Tracker.fixed(cfg.learningRate());
        }
        // the book's appendix D warms up from a tenth of the peak
        return new WarmupCosineTracker(cfg.learningRate() * 0.1f, cfg.learningRate(),
                cfg.minLearningRate(), cfg.warmupSteps(), (int) Math.max(totalSteps, cfg.warmupSteps() + 1L));
    }

    /** Rows {@code from .. to-1} of {@code a} on {@code device}, owned by {@code scope}. */
    private static NDArray slice(NDArray a, int from, int to, Device device, NDManager scope) {
        NDArray part = a.get(from + ":" + to);
        if (!part.getDevice().equals(device)) {
            part = part.toDevice(device, true);
            part.attach(scope);
        }
        return part;
    }

    /** One optimizer step over {@code gradAccumulation} micro-batches; returns their mean loss. */
    private float step(Trainer trainer, PairList<String, Parameter> parameters, TrainingBatches train,
            int[] order, int stepInEpoch, long globalStep, long[] tokens) {
        trainer.getManager().getEngine().setRandomSeed((int) (cfg.seed() * 1_000_003L + globalStep));
        int k = cfg.gradAccumulation();
        float sum = 0;
        // before the collector: the engine may be probed, and only one collector can be open
        try (GradientAccumulation accumulation = k > 1 ? new GradientAccumulation(parameters, trainer.getManager()) : null;
                GradientCollector gc = trainer.newGradientCollector()) {
            for (int m = 0; m < k; m++) {
                int firstWindow = (stepInEpoch * k + m) * cfg.batchSize();
                try (NDManager scope = trainer.getManager().newSubManager()) {
                    NDArray[] batch = train.batch(scope, order, firstWindow, cfg.batchSize());
                    tokens[0] += batch[0].size();
                    // data parallel: each device takes a slice of the rows; its loss is weighted
                    // by its share, so the summed gradients are those of the whole batch
                    Device[] devices = trainer.getDevices();
                    int rows = (int) batch[0].getShape().get(0);
                    int parts = Math.min(devices.length, rows);
                    for (int d = 0; d < parts; d++) {
                        int from = rows * d / parts;
                        int to = rows * (d + 1) / parts;
                        NDArray x = parts == 1 ? batch[0] : slice(batch[0], from, to, devices[d], scope);
                        NDArray y = parts == 1 ? batch[1] : slice(batch[1], from, to, devices[d], scope);
                        NDList logits = trainer.forward(new NDList(x));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), logits);
                        float value = loss.getFloat();
                        if (!Float.isFinite(value)) {
                            throw new TrainingDivergedException("The loss is " + value + " at step "
                                    + (globalStep + 1) + "; stopped without applying it. The last good"
                                    + " checkpoint is in " + out.resolve(TrainingCheckpoint.DIR)
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
            if (cfg.gradClip() > 0) {
                GradientClipping.clipGlobalNorm(parameters, cfg.gradClip());
            }
            trainer.step();
        }
        return sum / k;
    }

    /** Mean loss over the first {@code evalBatches} batches, in order, without dropout. */
    private double meanLoss(LanguageModel lm, TrainingBatches windows) {
        int batches = Math.min(cfg.evalBatches(), Math.max(1, windows.count() / cfg.batchSize()));
        int[] order = order(windows.count(), cfg.seed(), -1);
        double total = 0;
        int done = 0;
        CausalLmLoss loss = new CausalLmLoss();
        for (int b = 0; b < batches; b++) {
            int firstWindow = b * cfg.batchSize();
            int size = Math.min(cfg.batchSize(), windows.count() - firstWindow);
            if (size <= 0) {
                break;
            }
            try (NDManager scope = lm.manager().newSubManager()) {
                NDArray[] batch = windows.batch(scope, order, firstWindow, size);
                total += loss.evaluate(new NDList(batch[1]), new NDList(lm.logits(batch[0]))).getFloat();
                done++;
            }
        }
        return total / done;
    }

    private String sample(LanguageModel lm) {
        SamplingConfig greedy = SamplingConfig.greedy(cfg.sampleTokens()).withEndIdsOf(tokenizer);
        return cfg.samplePrompt() + new TextGenerator(lm, tokenizer).generate(cfg.samplePrompt(), greedy, null);
    }

    /**
     * The identity for {@code epoch < 0}, else a permutation of {@code 0 .. n-1} that depends
     * only on {@code (seed, epoch)}.
     */
    static int[] order(int n, long seed, int epoch) {
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

    /**
     * The sliding windows of one token stream, laid out as {@link SlidingWindowDataset}'s, with
     * the resumable (seed, epoch) order the trainer needs.
     */
    private static final class Windows implements TrainingBatches {
        private final long[] ids;
        private final int length;
        private final int stride;
        private final int count;

        Windows(long[] ids, int length, int stride, String what) {
            this.ids = ids;
            this.length = length;
            this.stride = stride;
            this.count = SlidingWindowDataset.windowCount(ids.length, length, stride);
            if (count == 0) {
                throw new IllegalArgumentException("The " + what + " text has " + ids.length
                        + " tokens: too short for one window of " + length + " plus 1 target");
            }
        }

        @Override
        public int count() {
            return count;
        }

        /** Inputs and targets {@code (size, L)} of windows {@code order[first ..]}. */
        @Override
        public NDArray[] batch(NDManager manager, int[] order, int first, int size) {
            long[] in = new long[size * length];
            long[] target = new long[size * length];
            for (int b = 0; b < size; b++) {
                int start = order[first + b] * stride;
                System.arraycopy(ids, start, in, b * length, length);
                System.arraycopy(ids, start + 1, target, b * length, length);
            }
            return new NDArray[] {
                manager.create(in).reshape(size, length), manager.create(target).reshape(size, length)
            };
        }
    }
}
