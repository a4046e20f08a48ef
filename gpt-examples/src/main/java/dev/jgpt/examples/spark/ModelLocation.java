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
 * into each executor's work directory, as {@code spark-submit --archives} does), or a
 * HuggingFace Hub repository id, resolved on each executor through the Hub cache exactly as
 * {@code jgpt generate --model owner/name} does (downloaded once per machine, then offline).
 *
 * @param spec the path or Hub id as given
 * @param shippedName the archive Spark ships the folder as, or {@code null}
 * @param shippedSession the Spark session whose artifacts the archive is among (executors unpack
 *     it in a folder of that name), or {@code null} for the application's
 */
public record ModelLocation(String spec, String shippedName, String shippedSession) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A path or a Hub id, resolved on the executor. */
    public static ModelLocation of(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("No model given: a model folder or a Hub repository id");
        }
        return new ModelLocation(spec, null, null);
    }

    /**
     * Ships the local folder {@code dir} with the job: it is packed into a zip archive (Spark ships
     * no directories to a cluster) that {@code SparkContext.addArchive} sends to every executor,
     * which unpacks it into its work directory, as {@code spark-submit --archives} does; for
     * executors that cannot read the driver's disk.
     */
    public static ModelLocation ship(SparkSession spark, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Cannot ship " + dir + ": not a model folder");
        }
        Path abs = dir.toAbsolutePath().normalize();
        // once per application and folder: the driver's file server takes a file name once
        String shipKey = spark.sparkContext().applicationId() + " " + abs;
        synchronized (SHIPPED) {
            ModelLocation done = SHIPPED.get(shipKey);
            if (done != null) {
                return done;
            }
            ModelLocation shipped = pack(spark, abs);
            SHIPPED.put(shipKey, shipped);
            return shipped;
        }
    }

    private static final java.util.Map<String, ModelLocation> SHIPPED = new java.util.HashMap<>();

    private static ModelLocation pack(SparkSession spark, Path abs) {
        String name = abs.getFileName() + "-" + Integer.toHexString(abs.toString().hashCode()) + ".zip";
        Path zip;
        try {
            zip = Files.createTempDirectory("jgpt-ship").resolve(name);
            zip.toFile().deleteOnExit();
            zip.getParent().toFile().deleteOnExit();
            try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip));
                    var files = Files.walk(abs)) {
                out.setLevel(1); // weights hardly compress; the time goes on the copy
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    out.putNextEntry(new java.util.zip.ZipEntry(abs.relativize(p).toString().replace('\\', '/')));
                    Files.copy(p, out); // follows the Hub cache's links to its blobs
                    out.closeEntry();
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot pack " + abs + " to ship it: " + e, e);
        }
        // added in the session's artifact scope: Spark 4 runs a session's queries with the session's own
        // artifacts (jars, files, archives), so an archive added outside it never reaches their tasks
        String uri = zip.toUri().toString();
        String session = null;
        if (spark instanceof org.apache.spark.sql.classic.SparkSession classic) {
            classic.artifactManager().withResources((scala.Function0<Object>) () -> {
                spark.sparkContext().addArchive(uri);
                return null;
            });
            session = classic.artifactManager().state().uuid();
        } else {
            spark.sparkContext().addArchive(uri);
        }
        return new ModelLocation(abs.toString(), name, session);
    }

    /** The folder on this JVM (an executor's, or the driver's in local mode). */
    public Path resolve() {
        if (shippedName != null) {
            // the executor unpacks a session's archives in a folder named after the session (what
            // SparkFiles.get gives depends on the thread asking, so the folder is named here)
            Path root = Path.of(SparkFiles.getRootDirectory());
            Path unpacked = shippedSession != null && Files.isDirectory(root.resolve(shippedSession).resolve(shippedName))
                    ? root.resolve(shippedSession).resolve(shippedName) : root.resolve(shippedName);
            if (!Files.isDirectory(unpacked)) {
                throw new IllegalStateException("The shipped model " + shippedName + " is not in this executor's"
                        + " files: " + unpacked + " is missing (root " + SparkFiles.getRootDirectory() + ": "
                        + list(Path.of(SparkFiles.getRootDirectory())) + "; working directory: " + list(Path.of("."))
                        + ")");
            }
            return unpacked;
        }
        return ModelReferences.folder(spec, HubClient.fromEnvironment(null))
                .orElseThrow(() -> new IllegalArgumentException("--model '" + spec + "' is not a model folder"
                        + " on this executor or a Hub repository (owner/name)"));
    }

    private static String list(Path dir) {
        try (var s = Files.walk(dir, 3)) {
            return s.map(Path::toString).sorted().toList().toString();
        } catch (java.io.IOException | RuntimeException e) {
            return e.toString();
        }
    }

    /** What it is called in messages and in the per-executor model cache. */
    public String describe() {
        return shippedName != null ? spec + " (shipped as " + shippedName + ")" : spec;
    }
}
