package dev.jgpt.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a {@link DataSource}'s file, in this order: an explicit path; the data directory ({@code
 * -Djgpt.data.dir} or {@code GPT_DATA_DIR}); the user cache ({@code ~/.cache/jgpt}, or {@code
 * -Djgpt.cache.dir} / {@code JGPT_CACHE_DIR}); the copy bundled in this jar (class-path resource
 * {@value #BUNDLE}{@code <relativePath>}), installed into the cache; a download into the cache.
 * A bundled copy and a download are both checked against the source's SHA-256 and moved into
 * place atomically, so that a bad or partial file leaves nothing behind. Downloads are off when
 * {@code ai.djl.offline} or {@code jgpt.offline} is true.
 */
public final class DataResolver {

    /** System property naming the data directory. */
    public static final String DATA_DIR_PROPERTY = "jgpt.data.dir";

    /** Environment variable naming the data directory. */
    public static final String DATA_DIR_ENV = "GPT_DATA_DIR";

    /** System property naming the cache (before {@code JGPT_CACHE_DIR}, then {@code ~/.cache/jgpt}). */
    public static final String CACHE_DIR_PROPERTY = "jgpt.cache.dir";

    /** Class-path folder of the bundled copies, each at its source's {@code relativePath}. */
    public static final String BUNDLE = "dev/jgpt/datasets/bundled/";

    private static final Logger logger = LoggerFactory.getLogger(DataResolver.class);

    private final Path dataDir;
    private final Path cacheDir;
    private final boolean allowDownload;
    private final String bundle;

    /**
     * @param dataDir a folder holding files at the sources' relative paths (e.g. {@code
     *     DIR/the-verdict.txt}), or {@code null}
     * @param cacheDir where bundled copies are installed and downloads go
     * @param allowDownload whether a missing file may be downloaded
     */
    public DataResolver(Path dataDir, Path cacheDir, boolean allowDownload) {
        this(dataDir, cacheDir, allowDownload, BUNDLE);
    }

    /** As above, with the bundled copies looked up under another class-path folder (tests). */
    DataResolver(Path dataDir, Path cacheDir, boolean allowDownload, String bundle) {
        this.dataDir = dataDir;
        this.cacheDir = cacheDir;
        this.allowDownload = allowDownload;
        this.bundle = bundle;
    }

    /** The resolver the system properties and environment describe. */
    public static DataResolver fromEnvironment() {
        String dir = System.getProperty(DATA_DIR_PROPERTY, System.getenv(DATA_DIR_ENV));
        String cache = System.getProperty(CACHE_DIR_PROPERTY, System.getenv("JGPT_CACHE_DIR"));
        Path cacheDir = cache != null
                ? Paths.get(cache)
                : Paths.get(System.getProperty("user.home"), ".cache", "jgpt");
        boolean offline = Boolean.getBoolean("ai.djl.offline") || Boolean.getBoolean("jgpt.offline");
        return new DataResolver(dir == null || dir.isBlank() ? null : Paths.get(dir), cacheDir, !offline);
    }

    /**
     * What a {@code --data} argument names: a catalogue name or alias ({@link
     * DataSource#byName}) resolves as {@link #resolve(DataSource)}; anything else is a path that
     * must exist (a file or a folder).
     *
     * @throws DatasetException if it is neither, listing the known names
     */
    public Path resolve(String nameOrPath) {
        DataSource known = DataSource.find(nameOrPath);
        if (known != null) {
            return resolve(known);
        }
        Path p = Paths.get(nameOrPath);
        if (!Files.exists(p)) {
            throw new DatasetException(nameOrPath + " is neither a file, a folder nor a known data set ("
                    + DataSource.knownNames() + ")");
        }
        return p;
    }

    /** {@link #resolve(DataSource, Path)} with no explicit path. */
    public Path resolve(DataSource source) {
        return resolve(source, null);
    }

    /**
     * The local file for {@code source}.
     *
     * @param explicit a path the user gave, or {@code null}
     * @throws DatasetException if it cannot be found or downloaded, saying where it looked
     */
    public Path resolve(DataSource source, Path explicit) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new DatasetException("Data file not found: " + explicit);
            }
            return explicit;
        }
        List<String> looked = new ArrayList<>();
        if (dataDir != null) {
            Path p = dataDir.resolve(source.relativePath());
            if (Files.isRegularFile(p)) {
                return p;
            }
            looked.add(p + " (data directory)");
        } else {
            looked.add("no data directory (-D" + DATA_DIR_PROPERTY + " / " + DATA_DIR_ENV + " unset)");
        }
        Path cached = cacheDir.resolve(source.relativePath());
        if (Files.isRegularFile(cached)) {
            String actual = sha256(cached);
            if (actual.equals(source.sha256())) {
                return cached;
            }
            looked.add(cached + " (cache; wrong SHA-256 " + actual + ", ignored)");
        } else {
            looked.add(cached + " (cache)");
        }
        String bundled = bundle + source.relativePath();
        if (DataResolver.class.getClassLoader().getResource(bundled) != null) {
            try {
                return installBundled(source, bundled, cached);
            } catch (DatasetException e) {
                looked.add("bundled copy (" + e.getMessage() + ")");
            }
        } else {
            looked.add("no bundled copy");
        }
        String why;
        if (allowDownload) {
            try {
                return download(source, cached);
            } catch (DatasetException e) {
                why = e.getMessage();
            }
        } else {
            why = "downloads are off (ai.djl.offline or jgpt.offline is true)";
        }
        throw new DatasetException(
                "Data set '" + source.name() + "' (" + source.relativePath() + ") not found. Looked in: "
                        + String.join("; ", looked) + ". " + why + ". Point at a copy with -D"
                        + DATA_DIR_PROPERTY + "=DIR or " + DATA_DIR_ENV + "=DIR (holding DIR/"
                        + source.relativePath() + "), or pass the file's path; canonical source: "
                        + source.url());
    }

    /** Downloads, verifies and atomically installs {@code source} at {@code target}. */
    Path download(DataSource source, Path target) {
        Path tmp = null;
        Path extracted = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".download");
            fetch(source.url(), tmp);
            Path file = tmp;
            if (source.zipEntry() != null) {
                extracted = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".extract");
                extract(tmp, source.zipEntry(), extracted, source.url());
                file = extracted;
            }
            return verifyAndMove(file, source, target, "Download of " + source.url());
        } catch (IOException e) {
            throw new DatasetException("Download of " + source.url() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("Download of " + source.url() + " was interrupted", e);
        } finally {
            deleteQuietly(tmp);
            deleteQuietly(extracted);
        }
    }

    /** Copies the class-path resource {@code resource}, verified, to {@code target}. */
    private static Path installBundled(DataSource source, String resource, Path target) {
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".bundled");
            try (InputStream in = DataResolver.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("cannot open " + resource);
                }
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return verifyAndMove(tmp, source, target, "The bundled copy " + resource);
        } catch (IOException e) {
            throw new DatasetException("cannot install " + resource + " into " + target + ": " + e, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Checks {@code file}'s SHA-256 and moves it to {@code target}, atomically where possible. */
    private static Path verifyAndMove(Path file, DataSource source, Path target, String what) throws IOException {
        String actual = sha256(file);
        if (!actual.equals(source.sha256())) {
            throw new DatasetException(what + " has SHA-256 " + actual + ", expected " + source.sha256()
                    + "; nothing was kept");
        }
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        logger.info("Saved {} to {}", source.name(), target);
        return target;
    }

    private static void fetch(String url, Path into) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(10)).build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("HTTP " + response.statusCode());
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        logger.info("Downloading {} ({} bytes)", url, total < 0 ? "unknown" : total);
        try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(into)) {
            byte[] buf = new byte[64 * 1024];
            long done = 0;
            int lastDecile = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                done += n;
                if (total > 0 && done * 10 / total > lastDecile) {
                    lastDecile = (int) (done * 10 / total);
                    logger.info("  {}% of {}", lastDecile * 10, url);
                }
            }
            if (total >= 0 && done != total) {
                throw new IOException("connection closed after " + done + " of " + total + " bytes");
            }
        }
    }

    private static void extract(Path zip, String entryName, Path into, String url) throws IOException {
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            while ((entry = zin.getNextEntry()) != null) {
                if (entry.getName().equals(entryName)) {
                    Files.copy(zin, into, StandardCopyOption.REPLACE_EXISTING);
                    return;
                }
            }
        }
        throw new DatasetException("The archive from " + url + " has no entry '" + entryName + "'");
    }

    /** SHA-256 of a file as lower-case hex. */
    static String sha256(Path file) {
        try {
            return dev.jgpt.model.files.FileDigests.sha256(file);
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: a temp file, not the target
            }
        }
    }
}
