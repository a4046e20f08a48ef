package dev.jgpt.examples.spark;

import dev.jgpt.model.Engines;
import dev.jgpt.model.TextClassifier;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
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
 * {@code batchSize} at a time in one padded forward pass ({@link TextClassifier#classify(List)}),
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

    private static Iterator<Row> classify(Iterator<Row> rows, Settings s, JobCounters counters, int textIndex) {
        TextClassifier classifier = ExecutorModels.get(s.key(), TextClassifier.class, () -> {
            counters.modelLoaded();
            return TextClassifier.load(s.model().resolve(), Engines.device(s.device()));
        });
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

            private void nextBatch() {
                List<Row> batch = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                List<Integer> ids = new ArrayList<>(); // token counts, or -1 for a row refused
                while (batch.size() < s.batchSize() && rows.hasNext()) {
                    Row r = rows.next();
                    batch.add(r);
                    String text = r.isNullAt(textIndex) ? null : r.getString(textIndex);
                    int tokens = text == null ? -1 : classifier.tokenizer().encode(text).length;
                    ids.add(tokens);
                    if (tokens > 0) {
                        texts.add(text);
                    }
                }
                List<TextClassifier.Prediction> predictions;
                synchronized (classifier) { // one forward at a time per executor: its tasks share the weights
                    predictions = texts.isEmpty() ? Collections.emptyList() : classifier.classify(texts);
                }
                int p = 0;
                for (int i = 0; i < batch.size(); i++) {
                    int tokens = ids.get(i);
                    if (tokens <= 0) {
                        counters.row(true, 0, 0);
                        ready.add(Columns.appendValues(batch.get(i), null, null,
                                tokens < 0 ? "no text (null)" : "the text is empty"));
                    } else {
                        TextClassifier.Prediction pred = predictions.get(p++);
                        counters.row(false, Math.min(tokens, classifier.maxLength()), 0);
                        ready.add(Columns.appendValues(batch.get(i), pred.label(), (double) pred.probability(), null));
                    }
                }
            }
        };
    }
}
