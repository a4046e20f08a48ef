package dev.jgpt.examples.spark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The Spark jobs' entry point in {@code jgpt.jar}:
 * {@code spark-submit --class dev.jgpt.examples.spark.SparkJobs jgpt.jar generate|classify|tokenize ...}.
 * Each command reads a table (or a folder of text), runs its job ({@link GenerateJob}, {@link
 * ClassifyJob}, {@link TokenizeJob}) and writes the result, then prints the job's summary. Errors
 * are one line starting with {@code error:}; the exit code is 1 for a failed job, 2 for bad
 * arguments.
 */
@Command(name = "jgpt-spark", mixinStandardHelpOptions = true,
        description = "jgpt's Spark jobs: batch generation, classification and corpus tokenization.",
        subcommands = {SparkJobs.Generate.class, SparkJobs.Classify.class, SparkJobs.Tokenize.class, SparkBench.class})
public final class SparkJobs implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a job: generate, classify or tokenize");
    }

    /** The options every job has. */
    static final class Common {
        @Option(names = "--master", description = "The Spark master (local[N], spark://HOST:PORT, yarn, k8s://...)"
                + " when not run by spark-submit, which sets it.")
        String master;

        @Option(names = "--input", required = true, description = "The input table (a file or folder).")
        String input;

        @Option(names = "--input-format", description = "parquet, json (JSON lines), csv, text (default: by the"
                + " input's extension).")
        String inputFormat;

        @Option(names = "--partitions", description = "Repartition the input into this many tasks (default: as"
                + " Spark reads it).")
        Integer partitions;

        /** The active session (spark-submit's, or a test's), else one made for this command. */
        SparkSession session(String app) {
            SparkSession running = running();
            if (running != null) {
                return running;
            }
            SparkSession.Builder b = SparkSession.builder().appName(app);
            if (master != null) {
                b = b.master(master);
            }
            try {
                return b.getOrCreate();
            } catch (Exception e) { // SparkException is checked in Scala's eyes only
                if (String.valueOf(e.getMessage()).contains("A master URL must be set")) {
                    throw new IllegalArgumentException("No Spark master: run under spark-submit or give --master"
                            + " (e.g. local[2])", e);
                }
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
            }
        }

        Dataset<Row> read(SparkSession spark) {
            Dataset<Row> in = Tables.read(spark, input, inputFormat);
            return partitions == null ? in : in.repartition(partitions);
        }
    }

    /** The table a generate or classify job writes. */
    static final class Output {
        @Option(names = "--output", required = true, description = "Where to write the result table.")
        String path;

        @Option(names = "--output-format", description = "parquet, json or csv (default: by the output's extension).")
        String format;

        @Option(names = "--overwrite", description = "Replace an existing output (default: refuse).")
        boolean overwrite;
    }

    /** Where executors find the model. */
    static final class ModelOptions {
        @Option(names = "--model", required = true, description = "A model folder every executor can read, or a Hub"
                + " repository id (resolved through the Hub cache on each executor).")
        String model;

        @Option(names = "--ship-model", description = "Ship the local --model folder with the job (as a zip archive"
                + " the executors unpack), for executors that cannot read it.")
        boolean ship;

        ModelLocation location(SparkSession spark) {
            return ship ? ModelLocation.ship(spark, Path.of(model)) : ModelLocation.of(model);
        }
    }

    abstract static class Job implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Mixin Common common;

        /** Runs the job on {@code spark} and returns the summary line. */
        abstract String run(SparkSession spark);

        @Override
        public Integer call() {
            boolean own = running() == null;
            SparkSession spark = common.session("jgpt " + spec.name());
            try {
                long start = System.nanoTime();
                String summary = run(spark);
                PrintWriter out = spec.commandLine().getOut();
                out.printf(java.util.Locale.ROOT, "%s in %.1f s%n", summary, (System.nanoTime() - start) / 1e9);
                out.flush();
                return 0;
            } finally {
                if (own) {
                    spark.stop();
                    ExecutorModels.closeAll(); // local mode's executor is this JVM: its models go with the session
                }
            }
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Complete a column of prompts (or chat conversations) with a language model.")
    static final class Generate extends Job {
        @Mixin ModelOptions model;
        @Mixin Output output;

        @Option(names = "--prompt-column", description = "The string column of prompts (default: prompt).")
        String promptColumn;

        @Option(names = "--messages-column", description = "An array<struct<role, content>> column of conversations,"
                + " rendered with the model's chat template (instead of --prompt-column).")
        String messagesColumn;

        @Option(names = "--seed-column", description = "An integer column seeding each row (default: --seed for every row).")
        String seedColumn;

        @Option(names = "--max-new-tokens", defaultValue = "50", description = "Tokens per row at most (default: ${DEFAULT-VALUE}).")
        int maxNewTokens;

        @Option(names = "--temperature", description = "0 is greedy (default: the model's generation_config.json, else 0).")
        Float temperature;

        @Option(names = "--top-k", description = "Sample among the k most likely tokens (default: the model's, else off).")
        Integer topK;

        @Option(names = "--top-p", description = "Nucleus threshold in (0, 1] (default: the model's, else 1).")
        Float topP;

        @Option(names = "--seed", defaultValue = "42", description = "Seed of every row's sampler (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--greedy", description = "Always the most likely token.")
        boolean greedy;

        @Option(names = "--eos-id", description = "Stop at this id; -1 never (default: the model's end ids).")
        Long eosId;

        @Option(names = "--max-batch", defaultValue = "8", description = "Rows per forward pass on an executor (default: ${DEFAULT-VALUE}).")
        int maxBatch;

        @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
        String device;

        @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or fp16 (default: ${DEFAULT-VALUE}).")
        String dtype;

        @Override
        String run(SparkSession spark) {
            GenerateJob.Settings s;
            try {
                s = new GenerateJob.Settings(model.location(spark), messagesColumn == null
                        ? (promptColumn == null ? "prompt" : promptColumn) : null, messagesColumn, seedColumn,
                        maxNewTokens, temperature, topK, topP, seed, greedy, eosId, maxBatch, device, dtype);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (promptColumn != null && messagesColumn != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Give --prompt-column or --messages-column, not both");
            }
            GenerateJob job = new GenerateJob(spark, s);
            Tables.write(job.apply(common.read(spark)), output.path, output.format, output.overwrite);
            return "generate: wrote " + output.path + ": " + job.summary().describe();
        }
    }

    @Command(name = "classify", mixinStandardHelpOptions = true,
            description = "Label a column of texts with a classifier made by 'jgpt finetune-classifier'.")
    static final class Classify extends Job {
        @Mixin ModelOptions model;
        @Mixin Output output;

        @Option(names = "--text-column", defaultValue = "text", description = "The string column to classify (default: ${DEFAULT-VALUE}).")
        String textColumn;

        @Option(names = "--batch-size", defaultValue = "16", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
        String device;

        @Override
        String run(SparkSession spark) {
            ClassifyJob.Settings s;
            try {
                s = new ClassifyJob.Settings(model.location(spark), textColumn, batchSize, device);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            ClassifyJob job = new ClassifyJob(spark, s);
            Tables.write(job.apply(common.read(spark)), output.path, output.format, output.overwrite);
            return "classify: wrote " + output.path + ": " + job.summary().describe();
        }
    }

    @Command(name = "tokenize", mixinStandardHelpOptions = true,
            description = "Tokenize a corpus into token-id shards that 'jgpt pretrain --data' reads.")
    static final class Tokenize extends Job {
        @Option(names = "--tokenizer", description = "A model folder (or Hub id) whose tokenizer to use (default: GPT-2's).")
        String tokenizer;

        @Option(names = "--ship-model", description = "Ship the local --tokenizer folder with the job.")
        boolean ship;

        @Option(names = "--text-column", description = "Read --input as a table and tokenize this column, one document"
                + " per row (default: --input is a .txt file or a folder of them, one document per file).")
        String textColumn;

        @Option(names = "--separator-id", description = "The id between documents; -1 for none (default: the"
                + " tokenizer's <|endoftext|>, else its first end id).")
        Long separatorId;

        @Option(names = "--output", required = true, description = "The new shard folder (shared by every executor).")
        Path output;

        @Override
        String run(SparkSession spark) {
            ModelLocation location = tokenizer == null ? null
                    : ship ? ModelLocation.ship(spark, Path.of(tokenizer)) : ModelLocation.of(tokenizer);
            TokenizeJob.Settings s = new TokenizeJob.Settings(location,
                    separatorId == null ? TokenizeJob.DEFAULT_SEPARATOR : separatorId);
            TokenizeJob job = new TokenizeJob(spark, s);
            TokenizeJob.Result r;
            if (textColumn != null) {
                r = job.tokenize(common.read(spark), textColumn, output);
            } else {
                int n = common.partitions != null ? common.partitions : spark.sparkContext().defaultParallelism();
                r = job.tokenizeFiles(Path.of(common.input), n, output);
            }
            StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
                    "tokenize: wrote %,d tokens of %,d documents in %d shards to %s: %s", r.index().tokens(),
                    r.index().documents(), r.index().shards().size(), output, r.summary().describe()));
            for (String e : r.errors()) {
                b.append(System.lineSeparator()).append("  skipped: ").append(e);
            }
            return b.toString();
        }
    }

    /** The session spark-submit (or the caller) started, or null. */
    static SparkSession running() {
        var s = SparkSession.getActiveSession();
        if (s.isEmpty()) {
            s = SparkSession.getDefaultSession();
        }
        return s.isDefined() && !s.get().sparkContext().isStopped() ? s.get() : null;
    }

    /** Runs {@code args} and returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return dev.jgpt.examples.cli.JgptCli.execute(new CommandLine(new SparkJobs()), args, out, err,
                SparkJobs::describe);
    }

    /**
     * One line for a failure: a failed Spark job's message carries the executor's exception and
     * stack trace as text; this keeps the exception's own message.
     */
    static String describe(Throwable ex) {
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            return ex.getClass().getSimpleName();
        }
        String first = message.strip().split("\n", 2)[0];
        int failure = first.indexOf("most recent failure: ");
        if (failure >= 0) {
            String rest = first.substring(failure);
            int at = rest.indexOf("): ");
            if (at >= 0) {
                String cause = rest.substring(at + 3);
                int colon = cause.indexOf(": ");
                // "java.lang.IllegalArgumentException: the message" -> the message
                if (colon > 0 && cause.substring(0, colon).matches("[\\w.$]+")) {
                    cause = cause.substring(colon + 2);
                }
                return "a task failed: " + cause;
            }
        }
        return first;
    }

    /** Entry point for spark-submit. */
    public static void main(String[] args) {
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }
}
