package dev.jgpt.model.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where tests find the read-only reference data ({@code ../shared} beside the repository). The
 * build passes {@code -Djgpt.shared.dir}; a missing folder fails the test rather than skipping it.
 */
public final class SharedData {

    private SharedData() {}

    /** The shared folder. */
    public static Path root() {
        String prop = System.getProperty("jgpt.shared.dir");
        Path dir = prop != null ? Paths.get(prop) : Paths.get("..", "..", "shared");
        if (!Files.isDirectory(dir.resolve("fixtures"))) {
            throw new IllegalStateException(
                    "Shared test data not found at "
                            + dir.toAbsolutePath().normalize()
                            + "; set -Djgpt.shared.dir to the folder holding fixtures/ and datasets/");
        }
        return dir.toAbsolutePath().normalize();
    }

    /** {@code shared/fixtures/<name>}. */
    public static Path fixture(String name) {
        return root().resolve("fixtures").resolve(name);
    }

    /** {@code shared/datasets/<name>}. */
    public static Path dataset(String name) {
        return root().resolve("datasets").resolve(name);
    }

    /** The repository root (the parent of the module folders). */
    public static Path projectRoot() {
        String prop = System.getProperty("jgpt.project.dir");
        Path dir = prop != null ? Paths.get(prop) : Paths.get("..");
        return dir.toAbsolutePath().normalize();
    }
}
