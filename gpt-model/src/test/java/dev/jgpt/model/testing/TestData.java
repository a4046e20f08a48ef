package dev.jgpt.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/**
 * Where tests find their reference data, all inside the repository: the fixtures in {@code
 * testdata/} (see its README for provenance) and the data sets the {@code datasets} jar bundles.
 * The build passes {@code -Djgpt.project.dir}; a missing file fails the test rather than skipping
 * it.
 */
public final class TestData {

    /** The source folder of the data sets bundled into the {@code datasets} jar. */
    private static final String BUNDLE = "datasets/src/main/resources/dev/jgpt/datasets/bundled";

    private TestData() {}

    /** The repository root (the parent of the module folders). */
    public static Path projectRoot() {
        String prop = System.getProperty("jgpt.project.dir");
        Path dir = prop != null ? Paths.get(prop) : Paths.get("..");
        return dir.toAbsolutePath().normalize();
    }

    /** {@code testdata/}. */
    public static Path root() {
        return existing(projectRoot().resolve("testdata"));
    }

    /** {@code testdata/<name>}: a fixture file or folder. */
    public static Path fixture(String name) {
        return existing(root().resolve(name));
    }

    /** A bundled data set file at its relative path, e.g. {@code the-verdict.txt}. */
    public static Path dataset(String relativePath) {
        return existing(projectRoot().resolve(BUNDLE).resolve(relativePath));
    }

    /** Opens {@code testdata/<name>.gz} decompressed: the stored form of a compressible file. */
    public static InputStream openGzipped(String name) throws IOException {
        return new GZIPInputStream(Files.newInputStream(fixture(name + ".gz")), 1 << 16);
    }

    /** Decompresses {@code testdata/<name>.gz} to {@code dir/<file name>} and returns that path. */
    public static Path gunzip(String name, Path dir) {
        Path target = dir.resolve(Paths.get(name).getFileName());
        try (InputStream in = openGzipped(name)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot decompress testdata/" + name + ".gz", e);
        }
        return target;
    }

    /**
     * A copy of the model folder {@code testdata/<name>} under {@code dir}, as a user would have
     * it: every {@code .gz} file decompressed (e.g. {@code tokenizer.json}), the rest copied.
     */
    public static Path modelFolder(String name, Path dir) {
        Path source = fixture(name);
        Path target = dir.resolve(name);
        try (var files = Files.list(source)) {
            Files.createDirectories(target);
            for (Path f : (Iterable<Path>) files::iterator) {
                String file = f.getFileName().toString();
                if (file.endsWith(".gz")) {
                    gunzip(name + "/" + file.substring(0, file.length() - 3), target);
                } else {
                    Files.copy(f, target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy testdata/" + name, e);
        }
        return target;
    }

    /** A new temporary folder for a test class's scratch files (fuzz targets write each input there). */
    public static Path scratchDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary folder", e);
        }
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException("Test data not found: " + p
                    + " (set -Djgpt.project.dir to the repository root)");
        }
        return p;
    }
}
