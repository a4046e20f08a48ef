package dev.jgpt.examples.spark;

import dev.jgpt.model.Engines;
import dev.jgpt.model.TextClassifier;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Classification as a Spark job: a column of texts in, {@code label}, {@code probability} and
 * {@code error} out, from a classifier folder made by {@code jgpt finetune-classifier}. Each
 * executor JVM loads the classifier once ({@link ExecutorModels}); a task classifies its rows
 * {@code batchSize} at a time in one padded forward pass ({@link TextClassifier#classifyTokens}),
 * texts of similar lengths together (sorted within windows of {@code 8 x batchSize} rows),
 * so a row's label and probability are what {@code jgpt classify} prints for its text (texts
 * longer than the classifier's length are cut, as there). A null or empty text gets an {@code
 * error} instead and is counted; the job goes on.
 */
public final class ClassifyJob {

    /** The columns the job adds. */
    public static final List<String> OUTPUT_COLUMNS = List.of("label", "probability", "error");

    private final Settings settings;
    private final JobCounters counters;

    /**
     * @param model where executors find the classifier folder
     * @param textColumn the string column to classify
     * @param batchSize texts per forward pass
     * @param device {@code auto}, {@code cpu}, {@code gpu:N}
     */
    public record Settings(ModelLocation model, String textColumn, int batchSize, String device)
            implements Serializable {

        private static final long serialVersionUID = 1L;

        public Settings {
            if (model == null || textColumn == null) {
                throw new IllegalArgumentException("A classifier and a text column are needed");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
        }

        /** The {@code text} column, 16 texts per pass, on the default device. */
        public static Settings of(ModelLocation model) {
            return new Settings(model, "text", 16, "auto");
        }

        public Settings withTextColumn(String column) {
            return new Settings(model, column, batchSize, device);
        }

        public Settings withBatchSize(int texts) {
            return new Settings(model, textColumn, texts, device);
        }

        public Settings withDevice(String name) {
            return new Settings(model, textColumn, batchSize, name);
        }

        String key() {
            return "classify " + model.describe() + " on " + device;
        }
    }

    /** A job with {@code settings}, its counters registered on {@code spark}. */
    public ClassifyJob(SparkSession spark, Settings settings) {
        this.settings = settings;
        this.counters = new JobCounters(spark, "jgpt classify");
    }

    /**
     * The input with {@code label}, {@code probability} and {@code error} added (lazily).
     *
     * @throws IllegalArgumentException if the text column is missing or not a string, or the
     *     input already has an output column
     */
    public Dataset<Row> apply(Dataset<Row> input) {
        StructType in = input.schema();
        Columns.require(in, settings.textColumn(), "a string", Columns::isString);
        StructType out = Columns.append(in, OUTPUT_COLUMNS, DataTypes.StringType, DataTypes.DoubleType,
                DataTypes.StringType);
        int textIndex = in.fieldIndex(settings.textColumn());
        Settings s = settings;
        JobCounters c = counters;
        return input.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> classify(rows, s, c, textIndex),
                Encoders.row(out));
    }

    /** What the job has done so far (complete after the action that ran it). */
    public JobCounters.Summary summary() {
        return counters.summary();
    }

    /**
     * An executor's classifier and the one thread that runs its forward passes: the executor's
     * tasks share the weights, and the engine sees one calling thread whatever threads Spark runs
     * tasks on (native memory grew by gigabytes when two task threads took turns on it).
     */
    static final class Loaded implements AutoCloseable {
        final TextClassifier classifier;
        private final java.util.concurrent.ExecutorService forward =
                java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "jgpt-classify");
                    t.setDaemon(true);
                    return t;
                });

        Loaded(TextClassifier classifier) {
            this.classifier = classifier;
        }

        List<TextClassifier.Prediction> classify(List<long[]> ids) {
            try {
                return forward.submit(() -> classifier.classifyTokens(ids)).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while classifying", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }

        @Override
        public void close() {
            forward.shutdown();
            try {
                forward.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            classifier.close();
        }
    }

    private static Iterator<Row> classify(Iterator<Row> rows, Settings s, JobCounters counters, int textIndex) {
        Loaded loaded = ExecutorModels.get(s.key(), Loaded.class, () -> {
            counters.modelLoaded();
            return new Loaded(TextClassifier.load(s.model().resolve(), Engines.device(s.device())));
        });
        TextClassifier classifier = loaded.classifier;
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int at;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (at == ready.size()) {
                    ready.clear();
                    at = 0;
                    nextBatch();
                }
                if (ready.isEmpty() && !done) {
                    done = true;
                    counters.taskDone();
                }
                return at < ready.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return ready.get(at++);
            }

            /**
             * Reads up to {@code 8 x batchSize} rows, classifies them in batches of texts of
             * similar length (less padding), and readies them in input order.
             */
            private void nextBatch() {
                List<Row> window = new ArrayList<>();
                List<long[]> tokens = new ArrayList<>(); // null for a row refused
                while (window.size() < 8 * s.batchSize() && rows.hasNext()) {
                    Row r = rows.next();
                    window.add(r);
                    tokens.add(r.isNullAt(textIndex) ? null : classifier.tokenizer().encode(r.getString(textIndex)));
                }
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < window.size(); i++) {
                    if (tokens.get(i) != null && tokens.get(i).length > 0) {
                        order.add(i);
                    }
                }
                order.sort(Comparator.comparingInt(i -> tokens.get(i).length));
                TextClassifier.Prediction[] predictions = new TextClassifier.Prediction[window.size()];
                for (int from = 0; from < order.size(); from += s.batchSize()) {
                    List<Integer> batch = order.subList(from, Math.min(order.size(), from + s.batchSize()));
                    List<long[]> ids = new ArrayList<>();
                    batch.forEach(i -> ids.add(tokens.get(i)));
                    List<TextClassifier.Prediction> got = loaded.classify(ids);
                    for (int k = 0; k < batch.size(); k++) {
                        predictions[batch.get(k)] = got.get(k);
                    }
                }
                for (int i = 0; i < window.size(); i++) {
                    TextClassifier.Prediction p = predictions[i];
                    if (p == null) {
                        counters.row(true, 0, 0);
                        ready.add(Columns.appendValues(window.get(i), null, null,
                                tokens.get(i) == null ? "no text (null)" : "the text is empty"));
                    } else {
                        counters.row(false, Math.min(tokens.get(i).length, classifier.maxLength()), 0);
                        ready.add(Columns.appendValues(window.get(i), p.label(), (double) p.probability(), null));
                    }
                }
            }
        };
    }
}
