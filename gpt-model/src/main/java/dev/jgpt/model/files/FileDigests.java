package dev.jgpt.model.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A file's digest in lower-case hex, streamed: what every download checks its bytes against. */
public final class FileDigests {

    private FileDigests() {}

    /** SHA-256 of {@code file}. */
    public static String sha256(Path file) throws IOException {
        return hex("SHA-256", null, file);
    }

    /** Git's blob id of {@code file}: SHA-1 of {@code "blob <size>\0"} and the bytes. */
    public static String gitBlobSha1(Path file) throws IOException {
        return hex("SHA-1", "blob " + Files.size(file) + "\0", file);
    }

    private static String hex(String algorithm, String prefix, Path file) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
        if (prefix != null) {
            d.update(prefix.getBytes(StandardCharsets.UTF_8));
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
