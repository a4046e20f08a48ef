package dev.jgpt.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code testdata/} is what its README says: every file listed in {@code SHA256SUMS} with that
 * hash, every compressed file's content as in {@code SHA256SUMS.uncompressed}, nothing unlisted,
 * and within the repository's budget for test data.
 */
class TestDataIntegrityTest {

    /** The files that describe the data rather than being it. */
    private static final Set<String> DOCUMENTS = Set.of("README.md", "SHA256SUMS", "SHA256SUMS.uncompressed",
            "LICENSE", "NOTICE");

    private static final long BUDGET_BYTES = 40L * 1024 * 1024;

    @Test
    void everyFileHasTheHashItsManifestGives() throws IOException {
        Map<String, String> stored = manifest("SHA256SUMS");
        assertThat(stored).hasSizeGreaterThanOrEqualTo(20);
        for (Map.Entry<String, String> e : stored.entrySet()) {
            try (InputStream in = Files.newInputStream(TestData.fixture(e.getKey()))) {
                assertThat(sha256(in)).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void everyCompressedFileDecompressesToTheOriginal() throws IOException {
        Map<String, String> original = manifest("SHA256SUMS.uncompressed");
        List<String> compressed = files().stream().filter(f -> f.endsWith(".gz")).toList();
        assertThat(original.keySet()).containsExactlyInAnyOrderElementsOf(
                compressed.stream().map(f -> f.substring(0, f.length() - 3)).toList());
        for (Map.Entry<String, String> e : original.entrySet()) {
            try (InputStream in = TestData.openGzipped(e.getKey())) {
                assertThat(sha256(in)).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
    }

    @Test
    void nothingIsUnlistedAndTheWholeStaysWithinBudget() throws IOException {
        List<String> data = files().stream()
                .filter(f -> !DOCUMENTS.contains(Path.of(f).getFileName().toString()))
                .toList();
        assertThat(manifest("SHA256SUMS").keySet()).containsExactlyInAnyOrderElementsOf(data);
        long bytes = 0;
        for (String f : files()) {
            bytes += Files.size(TestData.root().resolve(f));
        }
        assertThat(bytes).as("bytes under testdata/").isLessThanOrEqualTo(BUDGET_BYTES);
    }

    /** {@code sha256sum} output: {@code <hex>  <relative path>} per line, in file order. */
    private static Map<String, String> manifest(String name) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(TestData.fixture(name))) {
            if (!line.isBlank()) {
                String[] parts = line.split(" {2}", 2);
                assertThat(parts).as("line of %s: %s", name, line).hasSize(2);
                out.put(parts[1], parts[0]);
            }
        }
        return out;
    }

    /** Every regular file under {@code testdata/}, relative, with '/' separators. */
    private static List<String> files() throws IOException {
        Path root = TestData.root();
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
    }

    private static String sha256(InputStream in) throws IOException {
        try (DigestInputStream din = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
            din.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(din.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
