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
            permissionsFor(target, tmp);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Gives {@code tmp} the permissions a plainly created file would have: those of the file it
     * replaces, else {@code rw-r--r--}. A temporary file is created {@code rw-------}, which would
     * make a model folder unreadable to another user (a server's account, a shared cache).
     */
    private static void permissionsFor(Path target, Path tmp) throws IOException {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException notPosix) {
            // the file system's defaults apply (Windows)
        }
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
