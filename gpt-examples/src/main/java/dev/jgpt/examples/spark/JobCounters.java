package dev.jgpt.examples.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * A job's counts, gathered from its tasks by Spark's accumulators: a failed or killed task's
 * updates are dropped, so a retried task (an executor lost mid-job) is not counted twice when the
 * job's result feeds one action with no shuffle after it. A result computed by two actions, or a
 * later shuffle stage Spark recomputes, counts again (persist the result, or count the output).
 * Read {@link #summary()} after the action that ran the job (a write, a count).
 */
public final class JobCounters implements Serializable {

    private static final long serialVersionUID = 1L;

    private final LongAccumulator rows;
    private final LongAccumulator errors;
    private final LongAccumulator inputTokens;
    private final LongAccumulator outputTokens;
    private final LongAccumulator modelLoads;
    private final CollectionAccumulator<String> jvms;

    /** Counters of a job called {@code name} (the names show in Spark's UI). */
    public JobCounters(SparkSession spark, String name) {
        var sc = spark.sparkContext();
        rows = sc.longAccumulator(name + " rows");
        errors = sc.longAccumulator(name + " rows with an error");
        inputTokens = sc.longAccumulator(name + " input tokens");
        outputTokens = sc.longAccumulator(name + " output tokens");
        modelLoads = sc.longAccumulator(name + " model loads");
        jvms = sc.collectionAccumulator(name + " executor JVMs");
    }

    /**
     * What a job did.
     *
     * @param rows rows processed (errors included)
     * @param errors rows that got an error instead of a result
     * @param inputTokens tokens read (prompts, texts, documents)
     * @param outputTokens tokens generated (generate only)
     * @param modelLoads models this job's tasks loaded (at most one per executor JVM and model)
     * @param loadsByExecutor for each executor JVM that ran a task ({@code executor-id/pid}), the
     *     models it has loaded since it started
     */
    public record Summary(long rows, long errors, long inputTokens, long outputTokens, long modelLoads,
            Map<String, Long> loadsByExecutor) {

        /** One line for a log or a terminal. */
        public String describe() {
            return String.format(Locale.ROOT, "%,d rows, %,d with an error; %,d input tokens, %,d output tokens;"
                    + " %d model load(s) in %d executor JVM(s) %s", rows, errors, inputTokens, outputTokens,
                    modelLoads, loadsByExecutor.size(), loadsByExecutor);
        }
    }

    /** The counts so far (complete once the job's action has returned). */
    public Summary summary() {
        Map<String, Long> byJvm = new TreeMap<>();
        for (String s : List.copyOf(jvms.value())) {
            int at = s.lastIndexOf('=');
            byJvm.merge(s.substring(0, at), Long.parseLong(s.substring(at + 1)), Math::max);
        }
        return new Summary(rows.value(), errors.value(), inputTokens.value(), outputTokens.value(),
                modelLoads.value(), byJvm);
    }

    void row(boolean error, long in, long out) {
        rows.add(1);
        if (error) {
            errors.add(1);
        }
        inputTokens.add(in);
        outputTokens.add(out);
    }

    void modelLoaded() {
        modelLoads.add(1);
    }

    /** At a task's end: which JVM ran it and how many models that JVM has loaded. */
    void taskDone() {
        SparkEnv env = SparkEnv.get();
        String executor = env == null ? "?" : env.executorId();
        jvms.add(executor + "/" + ProcessHandle.current().pid() + "=" + ExecutorModels.loads());
    }
}
