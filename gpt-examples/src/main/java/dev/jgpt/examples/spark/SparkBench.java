package dev.jgpt.examples.spark;

import ai.djl.engine.Engine;
import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.TextFiles;
import dev.jgpt.examples.cli.ProcessMemory;
import dev.jgpt.model.Engines;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code SparkJobs bench}: the jobs' throughput in Spark's local mode (one executor JVM with 1,
 * 2, ... task slots) against the same work done the single-JVM way ({@code jgpt classify}'s one
 * text at a time, {@code jgpt generate}'s one prompt at a time, the model loaded once), side by
 * side in one run, and how many times each executor JVM loaded the model. A benchmark: it
 * measures and prints, nothing is asserted.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Rows/s of classify and tokens/s of generate on 1..N local executor cores against the"
                + " single-JVM commands, and the model loads per executor.")
final class SparkBench implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "A language model folder (e.g. 'jgpt export"
            + " --model-size 124M --out DIR' for GPT-2 124M's shape with random weights).")
    Path model;

    @Option(names = "--classifier", description = "A classifier folder (default: one made from --model with a"
            + " new two-label head, in a temporary folder).")
    Path classifier;

    @Option(names = "--cores", split = ",", defaultValue = "1,2", description = "Executor cores to try (default: ${DEFAULT-VALUE}).")
    List<Integer> cores;

    @Option(names = "--classify-rows", defaultValue = "512", description = "Texts to classify (default: ${DEFAULT-VALUE}).")
    int classifyRows;

    @Option(names = "--generate-rows", defaultValue = "32", description = "Prompts to complete (default: ${DEFAULT-VALUE}).")
    int generateRows;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--max-batch", defaultValue = "8", description = "Generate's rows per forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--batch-size", defaultValue = "16", description = "Classify's texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String> texts = texts();
        Path tmp = Files.createTempDirectory("jgpt-spark-bench");
        Path clf = classifier;
        if (clf == null) {
            clf = tmp.resolve("classifier");
            try (TextClassifier c = TextClassifier.fromLanguageModel(model, List.of("a", "b"), 128,
                    Engines.device("auto"), 1)) {
                c.save(clf);
            }
        }
        out.printf(Locale.ROOT, "engine %s, %d cores seen by the JVM; model %s; %d texts to classify, %d prompts x %d"
                + " new tokens%n", Engine.getInstance().getEngineName(), Runtime.getRuntime().availableProcessors(),
                model, classifyRows, generateRows, maxNewTokens);
        out.flush();

        // single JVM, as the commands do it: one text / one prompt at a time, the model loaded once
        double aloneRows;
        try (TextClassifier c = TextClassifier.load(clf, Engines.device("auto"))) {
            c.classify(texts.get(0));
            long t = System.nanoTime();
            for (int i = 0; i < classifyRows; i++) {
                c.classify(texts.get(i % texts.size()));
            }
            aloneRows = classifyRows / ((System.nanoTime() - t) / 1e9);
        }
        double aloneTokens;
        try (LanguageModel lm = LanguageModel.load(model); Tokenizer tok = Tokenizers.forModel(model)) {
            SamplingConfig cfg = GenerationConfig.NONE.sampling(maxNewTokens, 0f, null, null, 42).withEndIds();
            Generator g = new Generator(lm, true);
            g.generate(tok.encodeWithSpecialTokens(texts.get(0)), cfg, null);
            long t = System.nanoTime();
            long n = 0;
            for (int i = 0; i < generateRows; i++) {
                n += g.generate(tok.encodeWithSpecialTokens(prompt(texts, i)), cfg, null).length;
            }
            aloneTokens = n / ((System.nanoTime() - t) / 1e9);
        }
        out.printf(Locale.ROOT, "single JVM: classify %.1f rows/s, generate %.1f tokens/s%n", aloneRows, aloneTokens);
        out.flush();

        for (int c : cores) {
            SparkSession running = SparkJobs.running(); // a caller's session (a test's) is used as it is, once
            if (running == null) {
                ExecutorModels.closeAll(); // each session's executor loads afresh, and is counted
            }
            SparkSession spark = running != null ? running : SparkSession.builder().master("local[" + c + "]")
                    .appName("jgpt spark bench").config("spark.ui.enabled", "false").getOrCreate();
            String master = spark.sparkContext().master();
            try {
                StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < classifyRows; i++) {
                    rows.add(RowFactory.create((long) i, texts.get(i % texts.size())));
                }
                Dataset<Row> table = spark.createDataFrame(rows, schema).repartition(4 * c).cache();
                table.count();
                List<Row> prompts = new ArrayList<>();
                for (int i = 0; i < generateRows; i++) {
                    prompts.add(RowFactory.create((long) i, prompt(texts, i)));
                }
                Dataset<Row> promptTable = spark.createDataFrame(prompts, new StructType().add("id", DataTypes.LongType)
                        .add("prompt", DataTypes.StringType)).repartition(2 * c).cache();
                promptTable.count();
                for (int round = 0; round < 2; round++) { // the first round loads the models
                    ClassifyJob cj = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.of(clf.toString()))
                            .withBatchSize(batchSize));
                    long t = System.nanoTime();
                    long n = cj.apply(table).filter("error is null").count();
                    double rowsPerSecond = n / ((System.nanoTime() - t) / 1e9);
                    GenerateJob gj = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.of(model.toString()))
                            .withGreedy(true).withEndId(-1L).withMaxNewTokens(maxNewTokens).withMaxBatch(maxBatch));
                    t = System.nanoTime();
                    gj.apply(promptTable).filter("error is null").count();
                    double tokensPerSecond = gj.summary().outputTokens() / ((System.nanoTime() - t) / 1e9);
                    out.printf(Locale.ROOT, "%s round %d (%s): classify %.1f rows/s (%.2fx single JVM),"
                                    + " generate %.1f tokens/s (%.2fx); model loads: classify %d %s, generate %d %s%n",
                            master, round + 1, round == 0 ? "with loading" : "warm", rowsPerSecond, rowsPerSecond / aloneRows,
                            tokensPerSecond, tokensPerSecond / aloneTokens, cj.summary().modelLoads(),
                            cj.summary().loadsByExecutor(), gj.summary().modelLoads(), gj.summary().loadsByExecutor());
                    out.printf(Locale.ROOT, "  RSS now %s%n", rss("VmRSS:"));
                    out.flush();
                }
            } finally {
                if (running == null) {
                    spark.stop();
                    ExecutorModels.closeAll();
                }
            }
            if (running != null) {
                break;
            }
        }
        out.printf(Locale.ROOT, "peak RSS of this JVM (driver and executor in local mode): %s%n", rss("VmHWM:"));
        return 0;
    }

    /** A field of /proc/self/status in GB ({@code VmHWM:} the peak RSS), where there is one. */
    private static String rss(String field) {
        long kb = ProcessMemory.rssKb(field);
        return kb < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f GB", kb / 1e6);
    }

    private static String prompt(List<String> texts, int i) {
        String t = texts.get(i % texts.size());
        return t.length() > 200 ? t.substring(0, 200) : t;
    }

    /** The Verdict's non-empty lines, the texts and prompts of the benchmark. */
    private static List<String> texts() {
        List<String> out = new ArrayList<>();
        for (String line : TextFiles.read(DataResolver.fromEnvironment().resolve("the-verdict")).split("\n")) {
            if (line.strip().length() > 20) {
                out.add(line.strip());
            }
        }
        return out;
    }
}
