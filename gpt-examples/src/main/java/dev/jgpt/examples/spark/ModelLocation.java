package dev.jgpt.examples.spark;

import dev.jgpt.model.hub.HubClient;
import dev.jgpt.model.hub.ModelReferences;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Where an executor finds a model folder: a path every executor can read (a shared file system,
 * or the one machine of local mode), a folder shipped with the job ({@link #ship}: Spark copies it
 * into each executor's work directory, as {@code spark-submit --files} does for files), or a
 * HuggingFace Hub repository id, resolved on each executor through the Hub cache exactly as
 * {@code jgpt generate --model owner/name} does (downloaded once per machine, then offline).
 *
 * @param spec the path or Hub id as given
 * @param shippedName the name Spark ships the folder under, or {@code null}
 */
public record ModelLocation(String spec, String shippedName) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A path or a Hub id, resolved on the executor. */
    public static ModelLocation of(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("No model given: a model folder or a Hub repository id");
        }
        return new ModelLocation(spec, null);
    }

    /**
     * Ships the local folder {@code dir} with the job ({@code SparkContext.addFile(dir, true)}),
     * so executors that cannot read the driver's disk get their own copy.
     */
    public static ModelLocation ship(SparkSession spark, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Cannot ship " + dir + ": not a model folder");
        }
        Path abs = dir.toAbsolutePath().normalize();
        spark.sparkContext().addFile(abs.toUri().toString(), true);
        return new ModelLocation(abs.toString(), abs.getFileName().toString());
    }

    /** The folder on this JVM (an executor's, or the driver's in local mode). */
    public Path resolve() {
        if (shippedName != null) {
            return Path.of(SparkFiles.get(shippedName));
        }
        return ModelReferences.folder(spec, HubClient.fromEnvironment(null))
                .orElseThrow(() -> new IllegalArgumentException("--model '" + spec + "' is not a model folder"
                        + " on this executor or a Hub repository (owner/name)"));
    }

    /** What it is called in messages and in the per-executor model cache. */
    public String describe() {
        return shippedName != null ? spec + " (shipped as " + shippedName + ")" : spec;
    }
}
