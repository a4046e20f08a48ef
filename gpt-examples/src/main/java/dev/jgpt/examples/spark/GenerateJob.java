package dev.jgpt.examples.spark;

import ai.djl.ndarray.types.DataType;
import dev.jgpt.model.Engines;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.ContinuousBatcher;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch generation as a Spark job: a column of prompts (or of chat conversations) in, a column of
 * completions out, on the user's own {@code Dataset<Row>}. Each executor JVM loads the model once
 * ({@link ExecutorModels}) and runs one {@link ContinuousBatcher} over it that every task on the
 * executor feeds: a task keeps up to {@code 2 x maxBatch} of its rows in the batch at a time, so a
 * partition's rows are generated together and its cores' tasks share the forward passes.
 *
 * <p>A row's text is what {@code jgpt generate} gives its prompt with the same settings: the
 * sampling settings not given come from the model's {@code generation_config.json}, the end ids
 * from its folder, and every row has its own sampler seeded by {@code seed} (or by the row's
 * {@code seedColumn}), so a row's text depends on nothing else in the job: not on the partition,
 * the batch, or a retry of its task (up to float rounding: a padded batch's matrix products may
 * round differently from one row's, which can flip a near tie, more likely in fp16 or on a GPU;
 * the tests find none on fp32 CPU).
 *
 * <p>The output is the input's columns and {@code completion} (the new text), {@code
 * prompt_tokens}, {@code completion_tokens}, {@code finish_reason} ({@code stop}: an end id;
 * {@code length}: {@code maxNewTokens}) and {@code error}. A row that cannot be generated (no
 * prompt, an empty one, a prompt that with {@code maxNewTokens} does not fit the context, a
 * conversation the chat template refuses) gets its reason in {@code error} and nulls in the
 * rest, and is counted in {@link JobCounters.Summary#errors()}; the job goes on.
 */
public final class GenerateJob {

    /** The columns the job adds. */
    public static final List<String> OUTPUT_COLUMNS =
            List.of("completion", "prompt_tokens", "completion_tokens", "finish_reason", "error");

    private final Settings settings;
    private final JobCounters counters;

    /**
     * The job's settings. Unset sampling values ({@code null}) come from the model folder's {@code
     * generation_config.json}, as in {@code jgpt generate}.
     *
     * @param model where executors find the model
     * @param promptColumn a string column of prompts, or {@code null} with {@code messagesColumn}
     * @param messagesColumn an array column of {@code struct<role: string, content: string>}
     *     conversations, rendered with the model's chat template, or {@code null}
     * @param seedColumn an integer column seeding each row's sampler, or {@code null} (all rows
     *     {@code seed})
     * @param maxNewTokens tokens to generate at most per row
     * @param greedy always the most likely token, whatever the folder recommends
     * @param endId stop at this id instead of the folder's end ids ({@code -1}: never), or null
     * @param maxBatch the most rows in one forward pass on an executor
     * @param device {@code auto}, {@code cpu}, {@code gpu:N}
     * @param dtype {@code fp32} or {@code fp16}
     */
    public record Settings(ModelLocation model, String promptColumn, String messagesColumn, String seedColumn,
            int maxNewTokens, Float temperature, Integer topK, Float topP, long seed, boolean greedy, Long endId,
            int maxBatch, String device, String dtype) implements Serializable {

        private static final long serialVersionUID = 1L;

        /** Checks what can be checked without the model. */
        public Settings {
            if (model == null) {
                throw new IllegalArgumentException("No model given");
            }
            if ((promptColumn == null) == (messagesColumn == null)) {
                throw new IllegalArgumentException("Give a prompt column or a messages column, not both or neither");
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
            }
            if (greedy && temperature != null && temperature > 0) {
                throw new IllegalArgumentException("greedy and temperature " + temperature + " contradict each other");
            }
            GenerationConfig.NONE.sampling(maxNewTokens, temperature, topK, topP, seed); // names a bad value
            GenerateJob.dtype(dtype);
        }

        /** Greedy, {@code maxNewTokens} 50, batches of 8, on the {@code prompt} column: {@code jgpt generate}'s defaults. */
        public static Settings of(ModelLocation model) {
            return new Settings(model, "prompt", null, null, 50, null, null, null, 42, false, null, 8, "auto", "fp32");
        }

        public Settings withPromptColumn(String column) {
            return new Settings(model, column, null, seedColumn, maxNewTokens, temperature, topK, topP, seed, greedy,
                    endId, maxBatch, device, dtype);
        }

        public Settings withMessagesColumn(String column) {
            return new Settings(model, null, column, seedColumn, maxNewTokens, temperature, topK, topP, seed, greedy,
                    endId, maxBatch, device, dtype);
        }

        public Settings withSampling(Float temperature, Integer topK, Float topP, long seed) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, maxNewTokens, temperature, topK, topP,
                    seed, greedy, endId, maxBatch, device, dtype);
        }

        public Settings withSeedColumn(String column) {
            return new Settings(model, promptColumn, messagesColumn, column, maxNewTokens, temperature, topK, topP,
                    seed, greedy, endId, maxBatch, device, dtype);
        }

        public Settings withMaxNewTokens(int n) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, n, temperature, topK, topP, seed,
                    greedy, endId, maxBatch, device, dtype);
        }

        public Settings withGreedy(boolean g) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, maxNewTokens, temperature, topK, topP,
                    seed, g, endId, maxBatch, device, dtype);
        }

        public Settings withEndId(Long id) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, maxNewTokens, temperature, topK, topP,
                    seed, greedy, id, maxBatch, device, dtype);
        }

        public Settings withMaxBatch(int rows) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, maxNewTokens, temperature, topK, topP,
                    seed, greedy, endId, rows, device, dtype);
        }

        public Settings withDevice(String device, String dtype) {
            return new Settings(model, promptColumn, messagesColumn, seedColumn, maxNewTokens, temperature, topK, topP,
                    seed, greedy, endId, maxBatch, device, dtype);
        }

        /** The sampling config of a row of this model, as {@code jgpt generate} builds it. */
        SamplingConfig sampling(GenerationConfig folder, Tokenizer tokenizer) {
            SamplingConfig c = folder.sampling(maxNewTokens, greedy ? Float.valueOf(0f) : temperature, topK, topP, seed);
            return endId != null ? c.withEndOfText(endId) : c.withEndIdsOf(tokenizer);
        }

        String key() {
            return "generate " + model.describe() + " on " + device + " " + dtype + ", batches of " + maxBatch;
        }
    }

    /** A job with {@code settings}, its counters registered on {@code spark}. */
    public GenerateJob(SparkSession spark, Settings settings) {
        this.settings = settings;
        this.counters = new JobCounters(spark, "jgpt generate");
    }

    /**
     * The input with the completion columns added (lazily: nothing runs until an action such as a
     * write).
     *
     * @throws IllegalArgumentException if a named column is missing or of the wrong type, or the
     *     input already has an output column
     */
    public Dataset<Row> apply(Dataset<Row> input) {
        StructType in = input.schema();
        String source = settings.promptColumn() != null ? settings.promptColumn() : settings.messagesColumn();
        Columns.require(in, source, settings.promptColumn() != null ? "a string" : "an array of {role, content}",
                settings.promptColumn() != null ? Columns::isString : Columns::isMessages);
        if (settings.seedColumn() != null) {
            Columns.require(in, settings.seedColumn(), "an integer", Columns::isInteger);
        }
        StructType out = Columns.append(in, OUTPUT_COLUMNS, DataTypes.StringType, DataTypes.IntegerType,
                DataTypes.IntegerType, DataTypes.StringType, DataTypes.StringType);
        int sourceIndex = in.fieldIndex(source);
        int seedIndex = settings.seedColumn() == null ? -1 : in.fieldIndex(settings.seedColumn());
        Settings s = settings;
        JobCounters c = counters;
        return input.mapPartitions(
                (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) rows ->
                        new PartitionRows(rows, s, c, sourceIndex, seedIndex),
                Encoders.row(out));
    }

    /** What the job has done so far (complete after the action that ran it). */
    public JobCounters.Summary summary() {
        return counters.summary();
    }

    /** The model, tokenizer and batcher of one executor JVM. */
    static final class Loaded implements AutoCloseable {
        final LanguageModel lm;
        final Tokenizer tokenizer;
        final ContinuousBatcher batcher;
        final GenerationConfig folderConfig;
        final Path folder;
        private ChatFormat chat;

        Loaded(Settings s) {
            folder = s.model().resolve();
            LanguageModel loaded = LanguageModel.load(folder, Engines.device(s.device()));
            DataType type = dtype(s.dtype());
            try {
                lm = loaded.toDataType(type);
            } catch (RuntimeException e) {
                loaded.close();
                throw e;
            }
            if (lm != loaded) {
                loaded.close();
            }
            Tokenizer t = null;
            try {
                t = Tokenizers.forModel(folder);
                folderConfig = GenerationConfig.read(folder);
                batcher = new ContinuousBatcher(lm, s.maxBatch(), ContinuousBatcher.DEFAULT_PREFILL_CHUNK);
            } catch (RuntimeException e) {
                if (t != null) {
                    t.close();
                }
                lm.close();
                throw e;
            }
            tokenizer = t;
        }

        synchronized ChatFormat chat() {
            if (chat == null) {
                chat = ChatFormat.forModel(folder);
            }
            return chat;
        }

        @Override
        public void close() {
            batcher.close();
            tokenizer.close();
            lm.close();
        }
    }

    private static DataType dtype(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16", "half" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("dtype must be fp32 or fp16, got '" + name + "'");
        };
    }

    /** One task's rows: up to {@code 2 x maxBatch} submitted ahead, emitted in input order. */
    private static final class PartitionRows implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Settings settings;
        private final JobCounters counters;
        private final int sourceIndex;
        private final int seedIndex;
        private final Loaded model;
        private final SamplingConfig sampling;
        private final Deque<Pending> pending = new ArrayDeque<>();
        private final int window;
        private boolean done;

        PartitionRows(Iterator<Row> input, Settings settings, JobCounters counters, int sourceIndex, int seedIndex) {
            this.input = input;
            this.settings = settings;
            this.counters = counters;
            this.sourceIndex = sourceIndex;
            this.seedIndex = seedIndex;
            this.model = ExecutorModels.get(settings.key(), Loaded.class, () -> {
                counters.modelLoaded();
                return new Loaded(settings);
            });
            this.sampling = settings.sampling(model.folderConfig, model.tokenizer);
            this.window = 2 * settings.maxBatch();
            TaskContext task = TaskContext.get();
            if (task != null) { // a killed or failed task leaves the batch at once
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> cancelAll());
            }
        }

        @Override
        public boolean hasNext() {
            fill();
            if (pending.isEmpty() && !done) {
                done = true;
                counters.taskDone();
            }
            return !pending.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return pending.poll().finish();
        }

        private void fill() {
            while (pending.size() < window && input.hasNext()) {
                pending.add(submit(input.next()));
            }
        }

        private Pending submit(Row row) {
            long[] ids;
            try {
                ids = promptIds(row);
            } catch (RuntimeException e) {
                return new Pending(row, null, 0, message(e));
            }
            int context = model.batcher.maxLength();
            if (ids.length + (long) sampling.maxNewTokens() > context) {
                return new Pending(row, null, ids.length, String.format(Locale.ROOT, "the prompt (%d tokens) and"
                        + " max_new_tokens (%d) exceed the model's context of %d tokens", ids.length,
                        sampling.maxNewTokens(), context));
            }
            SamplingConfig c = sampling;
            if (seedIndex >= 0 && !row.isNullAt(seedIndex)) {
                c = c.withSampling(c.temperature(), c.topK(), c.topP(), ((Number) row.get(seedIndex)).longValue());
            }
            try {
                return new Pending(row, model.batcher.submit(ids, c), ids.length, null);
            } catch (IllegalArgumentException e) { // an id past the model's vocabulary (a tokenizer's added tokens)
                return new Pending(row, null, ids.length, message(e));
            } catch (IllegalStateException e) { // the batcher's loop died: a fresh model for the retry
                ExecutorModels.evict(settings.key(), model);
                throw e;
            }
        }

        private long[] promptIds(Row row) {
            if (row.isNullAt(sourceIndex)) {
                throw new IllegalArgumentException("no prompt (null)");
            }
            long[] ids;
            if (settings.promptColumn() != null) {
                // a text prompt starts a document: the tokenizer's own special tokens (Llama's BOS), as jgpt generate
                ids = model.tokenizer.encodeWithSpecialTokens(row.getString(sourceIndex));
            } else {
                List<ChatMessage> messages = new ArrayList<>();
                for (Row m : row.<Row>getList(sourceIndex)) {
                    messages.add(new ChatMessage(m.getAs("role"), m.getAs("content")));
                }
                if (messages.isEmpty()) {
                    throw new IllegalArgumentException("no messages");
                }
                ids = model.tokenizer.encode(model.chat().prompt(messages, Map.of())); // the render holds its specials
            }
            if (ids.length == 0) {
                throw new IllegalArgumentException("the prompt is empty");
            }
            return ids;
        }

        private void cancelAll() {
            for (Pending p : pending) {
                if (p.sequence != null) {
                    p.sequence.cancel();
                }
            }
        }

        private static String message(RuntimeException e) {
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }

        /** A submitted row (or one already refused). */
        private final class Pending {
            final Row row;
            final ContinuousBatcher.Sequence sequence;
            final int promptTokens;
            final String error;

            Pending(Row row, ContinuousBatcher.Sequence sequence, int promptTokens, String error) {
                this.row = row;
                this.sequence = sequence;
                this.promptTokens = promptTokens;
                this.error = error;
            }

            Row finish() {
                if (sequence == null) {
                    counters.row(true, promptTokens, 0);
                    return Columns.appendValues(row, null, null, null, null, error);
                }
                long[] ids;
                try {
                    ids = sequence.await(null);
                } catch (IllegalStateException e) { // the batcher's loop died: a fresh model for the retry
                    ExecutorModels.evict(settings.key(), model);
                    throw e;
                }
                if (Thread.currentThread().isInterrupted()) { // a killed task: its tokens so far are no row
                    throw new IllegalStateException("Interrupted while generating");
                }
                counters.row(false, promptTokens, ids.length);
                String reason = ids.length < sampling.maxNewTokens() ? "stop" : "length";
                return Columns.appendValues(row, model.tokenizer.decode(ids), promptTokens, ids.length, reason, null);
            }
        }
    }
}
