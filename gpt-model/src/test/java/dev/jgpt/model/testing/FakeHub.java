package dev.jgpt.model.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A loopback server that answers like the HuggingFace Hub for the endpoints {@code HubClient}
 * uses, serving model folders: {@code GET /api/models/{repo}/revision/{rev}?blobs=true} (the
 * commit and each file's size, {@code blobId} and, for LFS files, {@code lfs.sha256}) and {@code
 * GET /{repo}/resolve/{rev}/{file}} (LFS files through a redirect to {@code /cdn/}, as the Hub
 * sends them to its CDN; HTTP Range answered with 206). Faults on demand: a transfer cut half-way,
 * a flipped byte, a status for every request. Every request is logged.
 */
public final class FakeHub implements AutoCloseable {

    /** Files at least this large, and every safetensors file, are served as LFS files. */
    private static final long LFS_FROM = 1 << 20;

    private record Repo(String commit, Path dir) {}

    private final Map<String, Repo> repos = new LinkedHashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final HttpServer server;
    private volatile String cutFile;
    private volatile String corruptFile;
    private volatile int status;
    private volatile String errorCode = "";

    /** Serves each folder of {@code folders} as the repository its key names. */
    public FakeHub(Map<String, Path> folders) {
        folders.forEach((repo, dir) -> repos.put(repo, new Repo(sha1(("commit of " + repo).getBytes(StandardCharsets.UTF_8)), dir)));
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL, for {@code HF_ENDPOINT}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The commit {@code repo}'s {@code main} is at. */
    public String commit(String repo) {
        return repos.get(repo).commit();
    }

    /** Every request so far: {@code METHOD PATH [Range: ...] [Authorization: ...]}. */
    public List<String> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The next download of {@code file} sends its full length but closes after half the bytes. */
    public void cutNextDownload(String file) {
        cutFile = file;
    }

    /** The next download of {@code file} has one byte changed. */
    public void corruptNextDownload(String file) {
        corruptFile = file;
    }

    /** Every request answers {@code code} (0: normally), with {@code X-Error-Code} {@code error}. */
    public void answerEverything(int code, String error) {
        status = code;
        errorCode = error;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " Range: " + range)
                + (auth == null ? "" : " Authorization: " + auth));
        try (ex) {
            if (status != 0) {
                ex.getResponseHeaders().add("X-Error-Code", errorCode);
                send(ex, status, ("{\"error\": \"" + errorCode + "\"}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.startsWith("/api/models/")) {
                api(ex, path.substring("/api/models/".length()));
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()), range);
            } else {
                resolve(ex, path.substring(1), range);
            }
        }
    }

    /** {@code owner/name/revision/REV}. */
    private void api(HttpExchange ex, String rest) throws IOException {
        int at = rest.indexOf("/revision/");
        Repo repo = at < 0 ? null : repos.get(rest.substring(0, at));
        if (repo == null) {
            ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            send(ex, 401, "{\"error\": \"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String revision = rest.substring(at + "/revision/".length());
        if (!revision.equals("main") && !revision.equals(repo.commit())) {
            ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
            send(ex, 404, "{\"error\": \"Revision not found\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("id", rest.substring(0, at));
        o.addProperty("sha", repo.commit());
        JsonArray siblings = new JsonArray();
        for (Path f : files(repo.dir())) {
            byte[] bytes = Files.readAllBytes(f);
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", f.getFileName().toString());
            s.addProperty("size", bytes.length);
            s.addProperty("blobId", gitBlobSha1(bytes));
            if (isLfs(f, bytes)) {
                JsonObject lfs = new JsonObject();
                lfs.addProperty("sha256", sha256(bytes));
                lfs.addProperty("size", bytes.length);
                lfs.addProperty("pointerSize", 134);
                s.add("lfs", lfs);
            }
            siblings.add(s);
        }
        // files a model does not need, which the client must not fetch
        for (String other : List.of("pytorch_model.bin", "original/consolidated.00.pth", "onnx/model.onnx")) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", other);
            s.addProperty("size", 1);
            s.addProperty("blobId", "0".repeat(40));
            siblings.add(s);
        }
        o.add("siblings", siblings);
        send(ex, 200, o.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code owner/name/resolve/REV/FILE}: small files directly, LFS files by redirect. */
    private void resolve(HttpExchange ex, String rest, String range) throws IOException {
        String[] p = rest.split("/", 5);
        Repo repo = p.length == 5 && p[2].equals("resolve") ? repos.get(p[0] + "/" + p[1]) : null;
        Path file = repo == null ? null : repo.dir().resolve(p[4]);
        if (file == null || !Files.isRegularFile(file) || !(p[3].equals("main") || p[3].equals(repo.commit()))) {
            ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
            send(ex, 404, new byte[0]);
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        ex.getResponseHeaders().add("X-Repo-Commit", repo.commit());
        if (isLfs(file, bytes)) {
            ex.getResponseHeaders().add("Location", "/cdn/" + p[0] + "/" + p[1] + "/" + p[4]);
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(bytes) + "\"");
            send(ex, 302, new byte[0]);
            return;
        }
        ex.getResponseHeaders().add("ETag", "\"" + gitBlobSha1(bytes) + "\"");
        body(ex, file.getFileName().toString(), bytes, range);
    }

    private void cdn(HttpExchange ex, String rest, String range) throws IOException {
        String[] p = rest.split("/", 3);
        Repo repo = repos.get(p[0] + "/" + p[1]);
        body(ex, p[2], Files.readAllBytes(repo.dir().resolve(p[2])), range);
    }

    private void body(HttpExchange ex, String name, byte[] bytes, String range) throws IOException {
        int from = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
        }
        byte[] out = java.util.Arrays.copyOfRange(bytes, from, bytes.length);
        if (name.equals(corruptFile)) {
            corruptFile = null;
            out[out.length / 2] ^= 0x40;
        }
        int code = from > 0 ? 206 : 200;
        if (from > 0) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        if (name.equals(cutFile)) {
            cutFile = null;
            ex.sendResponseHeaders(code, out.length);
            OutputStream os = ex.getResponseBody();
            os.write(out, 0, out.length / 2);
            os.flush();
            throw new IOException("cut on purpose");
        }
        send(ex, code, out);
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    private static boolean isLfs(Path f, byte[] bytes) {
        return bytes.length >= LFS_FROM || f.getFileName().toString().endsWith(".safetensors");
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Git's blob id: SHA-1 of {@code "blob <size>\0"} and the bytes. */
    public static String gitBlobSha1(byte[] bytes) {
        byte[] head = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return sha1(all);
    }

    private static String sha1(byte[] bytes) {
        return digest("SHA-1", bytes);
    }

    /** SHA-256 of {@code bytes}, hex. */
    public static String sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    private static String digest(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
