package dev.jgpt.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.datasets.SlidingWindowDataset;
import dev.jgpt.datasets.TokenIds;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Pretraining with DJL's {@link Trainer}, the book's {@code train_model_simple} with the
 * extras a long run needs: AdamW with an optional warm-up + cosine schedule, global-norm
 * clipping, gradient accumulation, periodic train/validation loss and perplexity, a sample after
 * every epoch, {@code metrics.csv}, {@code loss.png}, and checkpoints that a killed run resumes
 * from.
 *
 * <p>The steps, resume and checkpoints are {@link TrainingLoop}'s; this class is its language-model
 * task (windows in, next-token loss, evaluations and samples). Reproducible on CPU: a resumed run
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
     * @param outOfTime the run stopped at its time budget before its last epoch ended (its
     *     checkpoint continues it)
     */
    public record Result(long steps, long tokensSeen, List<Evaluation> evaluations, double trainingSeconds,
            boolean outOfTime) {}

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
     * Trains data-parallel on {@code devices} (see {@link TrainingLoop#withDevices}). Default: the
     * model's own device. Returns this.
     *
     * @throws IllegalArgumentException with gradient clipping (it would see one device's
     *     gradients before they are summed)
     */
    public Pretrainer withDevices(Device... devices) {
        loop().withDevices(devices); // checks them now
        this.devices = devices.clone();
        return this;
    }

    private TrainingLoop loop() {
        TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(cfg.epochs(), cfg.batchSize(),
                cfg.gradAccumulation(), cfg.gradClip(), cfg.learningRate(), cfg.weightDecay(), cfg.warmupSteps(),
                cfg.minLearningRate(), cfg.checkpointEvery(), cfg.seed()), out).withTimeBudget(cfg.timeBudgetSeconds());
        return devices == null ? loop : loop.withDevices(devices);
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
        return train(lm, TokenIds.of(trainIds), TokenIds.of(valIds), resumeFrom);
    }

    /**
     * {@link #train(LanguageModel, long[], long[], Path)} on token streams of any size (such as
     * {@link dev.jgpt.datasets.CorpusTokenizer}'s files): windows are read as batches need them.
     */
    public Result train(LanguageModel lm, TokenIds trainIds, TokenIds valIds, Path resumeFrom) {
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
        long firstStep = resumeFrom == null ? 0 : TrainingCheckpoint.readState(resumeFrom).step();
        CsvLog<Evaluation> metrics = MetricsLog.open(out.resolve("metrics.csv"), firstStep);
        TrainingLoop.Task task = new TrainingLoop.Task() {
            @Override
            public int count() {
                return train.count();
            }

            @Override
            public TrainingLoop.Batch batch(NDManager manager, int[] order, int first, int size) {
                NDArray[] batch = train.batch(manager, order, first, size);
                return new TrainingLoop.Batch(new NDList(batch[0]), new NDList(batch[1]), batch[0].size());
            }

            @Override
            public Shape[] inputShapes() {
                return new Shape[] {new Shape(cfg.batchSize(), Math.min(length, lm.config().contextLength()))};
            }

            @Override
            public Map<String, Parameter> optimized() {
                return TrainingCheckpoint.optimized(lm.block());
            }

            @Override
            public TrainingCheckpoint.ModelWriter modelWriter() {
                return dir -> lm.save(dir, tokenizer);
            }

            @Override
            public void afterStep(TrainingLoop.Progress p) {
                listener.onStep(p.step(), p.totalSteps(), p.epoch(), p.loss());
                if (p.step() % cfg.evalEvery() == 0 || p.outOfTime()) {
                    Evaluation e = new Evaluation(p.step(), p.epochs(), p.seen(), meanLoss(lm, train),
                            meanLoss(lm, val), p.learningRate(), p.seen() / Math.max(p.seconds(), 1e-9));
                    metrics.add(e);
                    listener.onEvaluation(e);
                }
                boolean sampleNow = p.epochEnd() || p.outOfTime()
                        || (cfg.sampleEvery() > 0 && p.step() % cfg.sampleEvery() == 0);
                if (sampleNow && cfg.sampleTokens() > 0 && !cfg.samplePrompt().isEmpty()) {
                    listener.onSample(p.epoch(), p.step(), sample(lm));
                }
            }

            @Override
            public void onCheckpoint(Path dir, long step) {
                listener.onCheckpoint(dir, step);
            }
        };
        TrainingLoop.Outcome outcome = loop().run(lm.model(), task, resumeFrom);
        try {
            LossPlot.write(metrics.rows(), out.resolve("loss.png"), plotTitle);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the loss plot: " + e, e);
        }
        return new Result(outcome.steps(), outcome.seen(), metrics.rows(), outcome.seconds(), outcome.outOfTime());
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

    /** {@link TrainingLoop#order}. */
    static int[] order(int n, long seed, int epoch) {
        return TrainingLoop.order(n, seed, epoch);
    }

    /**
     * The sliding windows of one token stream, laid out as {@link SlidingWindowDataset}'s, with
     * the resumable (seed, epoch) order the trainer needs.
     */
    private static final class Windows implements TrainingBatches {
        private final TokenIds ids;
        private final int length;
        private final int stride;
        private final int count;

        Windows(TokenIds ids, int length, int stride, String what) {
            this.ids = ids;
            this.length = length;
            this.stride = stride;
            long windows = ids.length() <= length ? 0 : (ids.length() - length - 1) / stride + 1;
            if (windows == 0) {
                throw new IllegalArgumentException("The " + what + " text has " + ids.length()
                        + " tokens: too short for one window of " + length + " plus 1 target");
            }
            if (windows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("The " + what + " text gives " + windows + " windows of "
                        + length + ": more than " + Integer.MAX_VALUE + "; use a larger --stride");
            }
            this.count = (int) windows;
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
            long[] window = new long[length + 1];
            for (int b = 0; b < size; b++) {
                long start = (long) order[first + b] * stride;
                ids.copy(start, window, 0, length + 1);
                System.arraycopy(window, 0, in, b * length, length);
                System.arraycopy(window, 1, target, b * length, length);
            }
            return new NDArray[] {
                manager.create(in).reshape(size, length), manager.create(target).reshape(size, length)
            };
        }
    }
}
