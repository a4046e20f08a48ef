package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolution order and the download path, served from a loopback HTTP server. */
class DataResolverTest {

    private static final byte[] BODY = "The quick brown fox.\n".getBytes(StandardCharsets.UTF_8);

    @TempDir Path tmp;
    private HttpServer server;
    private String base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good.txt", ex -> {
            ex.sendResponseHeaders(200, BODY.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(BODY);
            }
        });
        server.createContext("/corrupt.txt", ex -> {
            byte[] bad = BODY.clone();
            bad[3] ^= 1;
            ex.sendResponseHeaders(200, bad.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bad);
            }
        });
        server.createContext("/dropped.txt", ex -> {
            ex.sendResponseHeaders(200, BODY.length * 10L);
            OutputStream os = ex.getResponseBody();
            os.write(BODY); // a tenth of what was announced, then the connection goes
            os.flush();
            ex.getHttpContext().getServer();
            ex.close();
        });
        server.createContext("/archive.zip", ex -> {
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(zip)) {
                z.putNextEntry(new ZipEntry("readme.txt"));
                z.write("ignore me".getBytes(StandardCharsets.UTF_8));
                z.putNextEntry(new ZipEntry("Data"));
                z.write(BODY);
            }
            byte[] bytes = zip.toByteArray();
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private static String bodySha() throws IOException {
        Path p = Files.createTempFile("body", ".txt");
        Files.write(p, BODY);
        try {
            return DataResolver.sha256(p);
        } finally {
            Files.delete(p);
        }
    }

    private DataSource source(String path, String zipEntry) throws IOException {
        return new DataSource("fox", "sub/fox.txt", base + path, bodySha(), zipEntry, "test", "test");
    }

    private static long filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void theBundledCopiesNeedNothingElseAndAreInstalledIntoTheCache() {
        Path cache = tmp.resolve("cache");
        DataResolver resolver = new DataResolver(null, cache, false);
        for (DataSource s : DataSource.CATALOGUE) {
            Path p = resolver.resolve(s);
            assertThat(p).as(s.name()).isEqualTo(cache.resolve(s.relativePath())).isRegularFile();
            assertThat(DataResolver.sha256(p)).as(s.name()).isEqualTo(s.sha256());
        }
        // and the same files are what the names and short names of a --data argument give
        assertThat(resolver.resolve("the-verdict")).isEqualTo(cache.resolve("the-verdict.txt"));
        assertThat(resolver.resolve("spam")).isEqualTo(cache.resolve(DataSource.SMS_SPAM_COLLECTION.relativePath()));
        assertThat(resolver.resolve("instructions")).isEqualTo(cache.resolve("instruction-data.json"));
    }

    @Test
    void theDataDirectoryAndTheCacheComeBeforeTheBundle() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path mine = Files.write(data.resolve("the-verdict.txt"), BODY);
        assertThat(new DataResolver(data, tmp.resolve("cache"), false).resolve(DataSource.THE_VERDICT)).isEqualTo(mine);
        assertThat(filesUnder(tmp.resolve("cache"))).isZero();

        Path cache = tmp.resolve("cache2");
        Path first = new DataResolver(null, cache, false).resolve(DataSource.THE_VERDICT);
        long installed = Files.getLastModifiedTime(first).toMillis();
        Files.setLastModifiedTime(first, java.nio.file.attribute.FileTime.fromMillis(installed - 60_000));
        assertThat(new DataResolver(null, cache, false).resolve(DataSource.THE_VERDICT)).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(first).toMillis()).as("served from the cache, not re-installed")
                .isEqualTo(installed - 60_000);
    }

    @Test
    void aBundledCopyWithTheWrongChecksumIsRefusedThenDownloaded() throws IOException {
        Path cache = tmp.resolve("cache");
        String corrupt = "dev/jgpt/datasets/corrupt-bundle/";
        DataSource src = source("/good.txt", null);
        assertThatThrownBy(() -> new DataResolver(null, cache, false, corrupt).resolve(src))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("bundled copy")
                .hasMessageContaining("SHA-256")
                .hasMessageContaining("downloads are off");
        assertThat(filesUnder(cache)).isZero();
        assertThat(new DataResolver(null, cache, true, corrupt).resolve(src)).hasBinaryContent(BODY);
        assertThat(filesUnder(cache)).isEqualTo(1);
    }

    @Test
    void aDataArgumentIsANameOrAnExistingPath() throws IOException {
        DataResolver resolver = new DataResolver(null, tmp.resolve("cache"), false);
        Path folder = Files.createDirectories(tmp.resolve("texts"));
        assertThat(resolver.resolve(folder.toString())).isEqualTo(folder);
        assertThatThrownBy(() -> resolver.resolve(tmp.resolve("none.txt").toString()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("none.txt is neither a file, a folder nor a known data set")
                .hasMessageContaining("sms-spam-collection (or spam)");
    }

    @Test
    void explicitPathWinsAndMustExist() throws IOException {
        Path mine = Files.write(tmp.resolve("mine.txt"), BODY);
        DataResolver resolver = new DataResolver(null, tmp.resolve("cache"), false);
        assertThat(resolver.resolve(DataSource.THE_VERDICT, mine)).isEqualTo(mine);
        assertThatThrownBy(() -> resolver.resolve(DataSource.THE_VERDICT, tmp.resolve("nope.txt")))
                .isInstanceOf(DatasetException.class).hasMessageContaining("nope.txt");
    }

    @Test
    void downloadsVerifiesAndCaches() throws IOException {
        Path cache = tmp.resolve("cache");
        DataResolver resolver = new DataResolver(null, cache, true);
        Path p = resolver.resolve(source("/good.txt", null));
        assertThat(p).isEqualTo(cache.resolve("sub/fox.txt")).hasBinaryContent(BODY);
        assertThat(filesUnder(cache)).isEqualTo(1);
        // now served from the cache even with downloads off
        assertThat(new DataResolver(null, cache, false).resolve(source("/good.txt", null))).isEqualTo(p);
    }

    @Test
    void extractsTheEntryOfAZip() throws IOException {
        Path cache = tmp.resolve("cache");
        Path p = new DataResolver(null, cache, true).resolve(source("/archive.zip", "Data"));
        assertThat(p).hasBinaryContent(BODY);
        assertThat(filesUnder(cache)).isEqualTo(1);
    }

    @Test
    void wrongChecksumKeepsNothing() throws IOException {
        Path cache = tmp.resolve("cache");
        DataSource src = source("/corrupt.txt", null);
        assertThatThrownBy(() -> new DataResolver(null, cache, true).resolve(src))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("SHA-256")
                .hasMessageContaining("nothing was kept");
        assertThat(filesUnder(cache)).isZero();
    }

    @Test
    void droppedConnectionKeepsNothing() throws IOException {
        Path cache = tmp.resolve("cache");
        DataSource src = source("/dropped.txt", null);
        assertThatThrownBy(() -> new DataResolver(null, cache, true).resolve(src))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("failed");
        assertThat(filesUnder(cache)).isZero();
    }

    @Test
    void offlineWithNothingFoundSaysWhereItLookedAndWhatToSet() {
        // a class-path folder with no bundled copies: as a jar that does not carry this data set
        DataResolver resolver = new DataResolver(tmp.resolve("data"), tmp.resolve("cache"), false,
                "dev/jgpt/datasets/no-such-bundle/");
        assertThatThrownBy(() -> resolver.resolve(DataSource.INSTRUCTION_DATA))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("instruction-data.json")
                .hasMessageContaining(tmp.resolve("data").resolve("instruction-data.json").toString())
                .hasMessageContaining(tmp.resolve("cache").resolve("instruction-data.json").toString())
                .hasMessageContaining("no bundled copy")
                .hasMessageContaining("downloads are off")
                .hasMessageContaining("-Djgpt.data.dir=DIR")
                .hasMessageContaining("GPT_DATA_DIR");
    }

    @Test
    void catalogueKnowsItsSources() {
        assertThat(DataSource.byName("sms-spam-collection").zipEntry()).isEqualTo("SMSSpamCollection");
        assertThat(DataSource.byName("Spam")).isSameAs(DataSource.SMS_SPAM_COLLECTION);
        assertThat(DataSource.byName("instructions")).isSameAs(DataSource.INSTRUCTION_DATA);
        assertThatThrownBy(() -> DataSource.byName("wiki")).hasMessageContaining("the-verdict");
    }
}
