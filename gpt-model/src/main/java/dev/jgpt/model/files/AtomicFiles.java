package dev.jgpt.model.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes that never leave a half-written file under the final name. */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Renames {@code source} onto {@code target} atomically where the file system allows. */
    public static void move(Path source, Path target) throws IOException {
        try {
            Files.move(
                    source,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Fills a file; may throw. */
    @FunctionalInterface
    public interface FileWriter {
        /** Writes the whole content into {@code file}. */
        void writeTo(Path file) throws IOException;
    }

    /**
     * Lets {@code writer} fill a temporary file beside {@code target} (creating the folder), then
     * renames it onto {@code target}; on failure the temporary file is removed and {@code target}
     * is untouched.
     */
    public static void write(Path target, FileWriter writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            writer.writeTo(tmp);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
