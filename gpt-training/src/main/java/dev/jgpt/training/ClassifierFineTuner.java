package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.lora.Lora;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Classification fine-tuning with DJL's {@link Trainer}, the book's {@code
 * train_classifier_simple}: cross-entropy on the class logits of the last real token, AdamW, the
 * loss every {@code evalEvery} steps, loss and accuracy on train, validation and test after every
 * epoch (over {@code evalBatches} batches), then final accuracies on the whole of each split.
 *
 * <p>Which parameters train is set by {@link ClassifierConfig}: the last block(s) + final norm +
 * head (the book), everything, or LoRA adapters + head. Each batch is cut to its longest text,
 * which is exact because the head reads each row's last real token.
 *
 * <p>The steps, resume and checkpoints are {@link TrainingLoop}'s. Output folder: {@code
 * metrics.csv}, {@code loss.png}, {@code accuracy.png}, {@code checkpoint/} after every epoch (a
 * killed run resumes from the last epoch end), {@code classifier/}, the final model, and with LoRA
 * {@code adapters/}, the adapters on their own.
 */
public final class ClassifierFineTuner {

    /** The final model's folder under the output folder. */
    public static final String MODEL_DIR = "classifier";

    /** The LoRA adapters' folder under the output folder (LoRA runs only). */
    public static final String ADAPTERS_DIR = "adapters";

    /** What a run reports while it goes. */
    public interface Listener {

        /** After each optimizer step. */
        default void onStep(long step, long totalSteps, int epoch, float loss) {}

        /** After each loss evaluation, and after each epoch with accuracies. */
        default void onEvaluation(ClassifierEvaluation evaluation) {}

        /** After each checkpoint. */
        default void onCheckpoint(Path dir, long step) {}
    }

    /**
     * What a finished run did.
     *
     * @param steps optimizer steps in total
     * @param examplesSeen training examples in total
     * @param evaluations every evaluation, resumed ones included
     * @param trainAccuracy final accuracy on the whole training set
     * @param validationAccuracy final accuracy on the whole validation set
     * @param testAccuracy final accuracy on the whole test set ({@code NaN} without one)
     * @param trainableParameters parameters that were trained
     * @param trainingSeconds time spent in training steps
     * @param model the saved classifier ({@code out/classifier}: weights, labels, tokenizer), which
     *     {@link TextClassifier#load} and {@code jgpt classify} read
     * @param adapters the LoRA adapters saved on their own ({@code out/adapters}, without the
     *     head), or {@code null} without LoRA
     */
    public record Result(long steps, long examplesSeen, List<ClassifierEvaluation> evaluations,
            double trainAccuracy, double validationAccuracy, double testAccuracy, long trainableParameters,
            double trainingSeconds, Path model, Path adapters) {}

    private final ClassifierConfig cfg;
    private final Path out;
    private final Listener listener;

    /** @param out the run's folder */
    public ClassifierFineTuner(ClassifierConfig cfg, Path out, Listener listener) {
        this.cfg = cfg;
        this.out = out;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    /**
     * Freezes what {@code cfg} says should not train (attaching LoRA adapters if asked) and
     * returns the number of trainable parameters.
     */
    public static long selectTrainable(TextClassifier c, ClassifierConfig cfg) {
        CausalLm body = c.block().body();
        if (cfg.lora() != null) {
            if (c.lora() == null) {
                c.applyLora(cfg.lora());
            }
        } else if (c.lora() != null) {
            throw new IllegalArgumentException("The classifier has LoRA adapters; train it with LoRA"
                    + " settings or merge them first");
        } else if (cfg.trainableBlocks() < 0) {
            c.block().freezeParameters(false);
        } else {
            List<ai.djl.nn.Block> blocks = body.layers();
            if (cfg.trainableBlocks() > blocks.size()) {
                throw new IllegalArgumentException("trainableBlocks " + cfg.trainableBlocks()
                        + " exceeds the model's " + blocks.size() + " blocks");
            }
            body.freezeParameters(true);
            for (int i = blocks.size() - cfg.trainableBlocks(); i < blocks.size(); i++) {
                blocks.get(i).freezeParameters(false);
            }
            body.finalNorm().freezeParameters(false);
        }
        c.block().score().freezeParameters(false);
        return Lora.trainableParameterCount(c.block());
    }

    /**
     * Fine-tunes {@code c}.
     *
     * @param test the test set, or {@code null}
     * @param resumeFrom a checkpoint folder from {@link TrainingCheckpoint#find} that {@code c} was
     *     loaded from, or {@code null}
     */
    public Result train(TextClassifier c, ClassificationDataset train, ClassificationDataset validation,
            ClassificationDataset test, Path resumeFrom) {
        if (train.size() < cfg.batchSize()) {
            throw new IllegalArgumentException("The training set has " + train.size()
                    + " examples: fewer than one batch of " + cfg.batchSize());
        }
        long firstStep = resumeFrom == null ? 0 : TrainingCheckpoint.readState(resumeFrom).step();
        CsvLog<ClassifierEvaluation> metrics = ClassifierMetrics.open(out.resolve("metrics.csv"), firstStep);
        long[] trainable = {0};
        TrainingLoop.Task task = new TrainingLoop.Task() {
            @Override
            public int count() {
                return (int) train.size();
            }

            @Override
            public TrainingLoop.Batch batch(NDManager manager, int[] order, int first, int size) {
                NDArray[] b = ClassifierFineTuner.batch(manager, train, order, first, size);
                return new TrainingLoop.Batch(new NDList(b[0], b[1]), new NDList(b[2]), size);
            }

            @Override
            public Shape[] inputShapes() {
                return new Shape[] {new Shape(cfg.batchSize(), c.maxLength())};
            }

            @Override
            public void prepare() {
                trainable[0] = selectTrainable(c, cfg);
            }

            @Override
            public Map<String, Parameter> optimized() {
                return ClassifierFineTuner.optimized(c);
            }

            @Override
            public TrainingCheckpoint.ModelWriter modelWriter() {
                return c::save;
            }

            @Override
            public void afterStep(TrainingLoop.Progress p) {
                listener.onStep(p.step(), p.totalSteps(), p.epoch(), p.loss());
                if (p.step() % cfg.evalEvery() == 0 || p.epochEnd()) {
                    int batches = cfg.evalBatches();
                    double[] tr = evaluate(c, train, batches);
                    double[] va = evaluate(c, validation, batches);
                    double[] te = p.epochEnd() && test != null ? evaluate(c, test, batches)
                            : new double[] {Double.NaN, Double.NaN};
                    ClassifierEvaluation e = new ClassifierEvaluation(p.step(), p.epochs(), p.seen(), tr[0], va[0],
                            te[0], p.epochEnd() ? tr[1] : Double.NaN, p.epochEnd() ? va[1] : Double.NaN, te[1]);
                    metrics.add(e);
                    listener.onEvaluation(e);
                }
            }

            @Override
            public void onCheckpoint(Path dir, long step) {
                listener.onCheckpoint(dir, step);
            }
        };
        TrainingLoop loop = new TrainingLoop(new TrainingLoop.Settings(cfg.epochs(), cfg.batchSize(), 1, 0,
                cfg.learningRate(), cfg.weightDecay(), 0, 0f, 0, cfg.seed()), out);
        TrainingLoop.Outcome outcome = loop.run(c.model(), task, resumeFrom);
        double trainAcc = evaluate(c, train, 0)[1];
        double valAcc = evaluate(c, validation, 0)[1];
        double testAcc = test == null ? Double.NaN : evaluate(c, test, 0)[1];
        Path model = out.resolve(MODEL_DIR);
        c.save(model);
        Path adapters = null;
        if (c.lora() != null) {
            adapters = out.resolve(ADAPTERS_DIR);
            Lora.save(c.block().body(), c.lora(), adapters, Lora.SEQ_CLS, null);
        }
        try {
            writePlots(metrics.rows());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the plots: " + e, e);
        }
        return new Result(outcome.steps(), outcome.seen(), metrics.rows(), trainAcc, valAcc, testAcc, trainable[0],
                outcome.seconds(), model, adapters);
    }

    /** The trainable parameters by their DJL path (stable for one block tree). */
    static Map<String, Parameter> optimized(TextClassifier c) {
        Map<String, Parameter> all = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : c.block().getParameters()) {
            all.put(p.getKey(), p.getValue());
        }
        return TrainingCheckpoint.trainable(all);
    }

    /**
     * Mean loss and accuracy over the first {@code batches} batches of {@code data} in order
     * ({@code 0}: all of it), without dropout.
     */
    public double[] evaluate(TextClassifier c, ClassificationDataset data, int batches) {
        int n = (int) data.size();
        int limit = batches == 0 ? n : Math.min(n, batches * cfg.batchSize());
        int[] order = TrainingLoop.order(n, 0, -1);
        CausalLmLoss lossFn = new CausalLmLoss();
        double loss = 0;
        long correct = 0;
        for (int first = 0; first < limit; first += cfg.batchSize()) {
            int size = Math.min(cfg.batchSize(), limit - first);
            try (NDManager scope = c.manager().newSubManager()) {
                NDArray[] batch = batch(scope, data, order, first, size);
                NDArray logits = c.logits(batch[0], batch[1]);
                loss += lossFn.evaluate(new NDList(batch[2]), new NDList(logits)).getFloat() * size;
                correct += logits.argMax(1).toType(batch[2].getDataType(), false).eq(batch[2]).sum().getLong();
            }
        }
        return new double[] {loss / limit, correct / (double) limit};
    }

    /** ids {@code (B, L)} cut to the batch's longest text, lengths {@code (B)}, labels {@code (B)}. */
    private static NDArray[] batch(NDManager m, ClassificationDataset data, int[] order, int first, int size) {
        int longest = 1;
        for (int b = 0; b < size; b++) {
            longest = Math.max(longest, data.length(order[first + b]));
        }
        long[] ids = new long[size * longest];
        long[] lengths = new long[size];
        long[] labels = new long[size];
        for (int b = 0; b < size; b++) {
            int i = order[first + b];
            System.arraycopy(data.ids(i), 0, ids, b * longest, longest);
            lengths[b] = data.length(i);
            labels[b] = data.label(i);
        }
        return new NDArray[] {m.create(ids).reshape(size, longest), m.create(lengths), m.create(labels)};
    }

    private void writePlots(List<ClassifierEvaluation> rows) throws IOException {
        CurvePlot loss = new CurvePlot("Classification fine-tuning: loss", "Loss");
        CurvePlot accuracy = new CurvePlot("Classification fine-tuning: accuracy", "Accuracy");
        for (ClassifierEvaluation e : rows) {
            loss.add("Training loss", e.epoch(), e.trainLoss());
            loss.add("Validation loss", e.epoch(), e.validationLoss());
            accuracy.add("Training accuracy", e.epoch(), e.trainAccuracy());
            accuracy.add("Validation accuracy", e.epoch(), e.validationAccuracy());
            accuracy.add("Test accuracy", e.epoch(), e.testAccuracy());
        }
        loss.write(out.resolve("loss.png"));
        accuracy.write(out.resolve("accuracy.png"));
    }
}
