package dev.jgpt.model.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.files.FileDigests;
import dev.jgpt.model.io.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Models from the HuggingFace Hub into the cache Python users share ({@link HubCache}), through
 * the Hub's plain HTTP interface: the repository's file list at a revision ({@code
 * /api/models/{repo}/revision/{rev}?blobs=true}), then each file's {@code /{repo}/resolve/{commit}/{file}}.
 *
 * <p>Only what a model needs is fetched ({@link #wanted}: configs, tokenizer files, safetensors
 * and their index; never {@code *.bin}, {@code *.pth}, {@code *.h5}, ONNX or subfolders). Each
 * file goes to {@code blobs/{hash}.incomplete} first, resumes with an HTTP Range after an
 * interruption, is checked against the hash the Hub gives (SHA-256 for LFS files, the git blob
 * SHA-1 for the rest) and only then moved into place and linked from {@code snapshots/}, so a
 * kill never leaves a file that looks complete.
 *
 * <p>The environment, as {@code huggingface_hub} reads it: {@code HF_ENDPOINT} (a mirror), {@code
 * HF_TOKEN} (else the token file {@code huggingface-cli login} writes) for gated and private
 * repositories, {@code HF_HUB_OFFLINE=1} (or {@code -Dai.djl.offline=true}) for the cache only.
 */
public final class HubClient {

    /** Receives each file's progress. */
    @FunctionalInterface
    public interface Progress {
        /** {@code done} of {@code total} bytes of {@code file}; {@code done == total} when it is complete. */
        void onBytes(String file, long done, long total);
    }

    /**
     * Where and how to reach the Hub.
     *
     * @param endpoint the Hub's base URL ({@code https://huggingface.co} or a mirror)
     * @param token the access token, or null
     * @param offline whether to use the cache only
     */
    public record Settings(URI endpoint, String token, boolean offline) {

        /** The settings of {@code env} and the system properties, as {@code huggingface_hub} reads them. */
        public static Settings fromEnvironment(Map<String, String> env) {
            String endpoint = env.getOrDefault("HF_ENDPOINT", "https://huggingface.co").strip();
            while (endpoint.endsWith("/")) {
                endpoint = endpoint.substring(0, endpoint.length() - 1);
            }
            String token = env.get("HF_TOKEN");
            if (token == null || token.isBlank()) {
                token = env.get("HUGGING_FACE_HUB_TOKEN");
            }
            if (token == null || token.isBlank()) {
                token = tokenFile(env);
            }
            String off = env.getOrDefault("HF_HUB_OFFLINE", "");
            boolean offline = Boolean.getBoolean("ai.djl.offline")
                    || List.of("1", "ON", "YES", "TRUE").contains(off.strip().toUpperCase(Locale.ROOT));
            URI uri;
            try {
                uri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new HubException("HF_ENDPOINT is not a URL: '" + endpoint + "'", e);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new HubException("HF_ENDPOINT must be an http(s) URL with a host, got '" + endpoint + "'");
            }
            return new Settings(uri, token == null || token.isBlank() ? null : token.strip(), offline);
        }

        private static String tokenFile(Map<String, String> env) {
            String path = env.get("HF_TOKEN_PATH");
            Path file = path != null && !path.isBlank() ? Paths.get(path) : HubCache.home(env).resolve("token");
            try {
                return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
            } catch (IOException e) {
                return null;
            }
        }
    }

    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_LISTING_BYTES = 32 << 20;
    /** A transfer that delivers no byte for this long is given up (and resumes on the next run). */
    private static final Duration STALL = Duration.ofSeconds(60);

    private final Settings settings;
    private final HubCache cache;
    private final Progress progress;
    private final HttpClient http;

    /** A client with {@code settings}, caching in {@code cache}, reporting to {@code progress} (may be null). */
    public HubClient(Settings settings, HubCache cache, Progress progress) {
        this.settings = settings;
        this.cache = cache;
        this.progress = progress;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NEVER).build(); // redirects by hand: the token stays on the Hub
    }

    /** A client as the process environment says ({@link #environment()}), reporting to {@code progress}. */
    public static HubClient fromEnvironment(Progress progress) {
        Map<String, String> env = environment();
        return new HubClient(Settings.fromEnvironment(env), HubCache.fromEnvironment(env), progress);
    }

    /**
     * The process environment, with each {@code HF_*} system property of the same name in place
     * of the variable ({@code -DHF_HUB_OFFLINE=1}), for JVMs whose environment cannot be set.
     */
    public static Map<String, String> environment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("HF_"))
                .forEach(k -> env.put(k, System.getProperty(k)));
        return env;
    }

    /** The cache it uses. */
    public HubCache cache() {
        return cache;
    }

    /** Whether a model needs the repository file {@code name}: top-level configs, tokenizer files and safetensors. */
    public static boolean wanted(String name) {
        if (name.contains("/")) {
            return false; // original/, onnx/, ... hold other formats
        }
        // transformers' weights only: one file, or the shards of its index (not consolidated.safetensors or adapters)
        return name.equals("model.safetensors") || SHARD.matcher(name).matches() || name.endsWith(".json")
                || name.equals("merges.txt") || name.equals("chat_template.jinja") || name.equals("tokenizer.model");
    }

    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    /**
     * The model folder of {@code ref}: its cached snapshot when the cache has it (no request at
     * all), else downloaded ({@link #download}).
     */
    public Path model(HubReference ref) {
        Optional<Path> cached = cache.cachedModel(ref);
        if (cached.isPresent()) {
            return cached.get();
        }
        return download(ref);
    }

    /** The files a tokenizer needs, with the config that names the family and the end ids. */
    public static boolean tokenizerFile(String name) {
        return TOKENIZER_FILES.contains(name);
    }

    private static final java.util.Set<String> TOKENIZER_FILES = java.util.Set.of("config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "chat_template.jinja");

    /**
     * A snapshot folder of {@code ref} holding at least its tokenizer files ({@link
     * #tokenizerFile}), without downloading the weights: the cached snapshot when it has {@code
     * tokenizer.json} (no request), else those files alone fetched. A fresh model of a family
     * takes its tokenizer this way ({@code ModelFamily.tokenizerRepository}).
     *
     * @throws HubException as {@link #download}
     */
    public Path tokenizer(HubReference ref) {
        Optional<Path> cached = cachedTokenizer(ref);
        if (cached.isPresent()) {
            return cached.get();
        }
        Path snapshot = download(ref, HubClient::tokenizerFile, () -> cachedTokenizer(ref));
        if (!Files.isRegularFile(snapshot.resolve("tokenizer.json"))) {
            throw new HubException(ref + " has no tokenizer.json (a tokenizer in another format is not supported)");
        }
        return snapshot;
    }

    private Optional<Path> cachedTokenizer(HubReference ref) {
        return cache.commit(ref).map(c -> cache.snapshot(ref, c)).filter(d -> Files.isRegularFile(d.resolve("tokenizer.json")));
    }

    /**
     * Asks the Hub for {@code ref}'s files and fetches those missing from the cache; returns the
     * snapshot folder. Offline, or with the Hub unreachable, the cached snapshot if there is one.
     *
     * @throws HubException one line: not found, not authorised, unreachable with nothing cached,
     *     a checksum mismatch, an interrupted transfer (run again to resume), a full disk
     */
    public Path download(HubReference ref) {
        return download(ref, HubClient::wanted, () -> cache.cachedModel(ref));
    }

    /** Fetches the files of {@code ref} that {@code wanted} names; {@code cachedCopy} is the fallback offline. */
    private Path download(HubReference ref, java.util.function.Predicate<String> wanted,
            java.util.function.Supplier<Optional<Path>> cachedCopy) {
        if (settings.offline()) {
            return cachedCopy.get().orElseThrow(() -> new HubException("Offline (HF_HUB_OFFLINE or"
                    + " ai.djl.offline) and " + ref + " is not in the cache " + cache.root() + " (" + cachedList()
                    + ")"));
        }
        RepoFiles files;
        try {
            files = repoFiles(ref, wanted);
        } catch (IOException e) {
            Optional<Path> cached = cachedCopy.get();
            if (cached.isPresent()) {
                return cached.get(); // as huggingface_hub does without a network
            }
            throw new HubException("Cannot reach " + settings.endpoint() + " (" + describe(e) + ") and " + ref
                    + " is not in the cache " + cache.root() + " (" + cachedList() + ")", e);
        }
        Path snapshot = cache.snapshot(ref, files.commit());
        for (RepoFile f : files.files()) {
            Path blob = cache.blob(ref, f.blobName());
            try {
                if (!Files.isRegularFile(blob) || Files.size(blob) != f.size()) {
                    fetch(ref, files.commit(), f, blob);
                } else if (progress != null) {
                    progress.onBytes(f.name(), f.size(), f.size());
                }
                link(snapshot.resolve(f.name()), blob);
            } catch (IOException e) {
                throw new HubException(diskMessage(e, f.name(), blob.getParent()), e);
            }
        }
        try {
            cache.writeRef(ref, files.commit());
        } catch (IOException e) {
            throw new HubException(diskMessage(e, "refs/" + ref.revision(), cache.repoDir(ref)), e);
        }
        return snapshot;
    }

    private String cachedList() {
        String names = cache.list().stream().map(HubCache.CachedModel::repoId).collect(Collectors.joining(", "));
        return names.isEmpty() ? "it holds no model" : "it holds " + names;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static String diskMessage(IOException e, String what, Path where) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota")) {
            return "Disk full while writing " + what + " into " + where + ": free some space and run again"
                    + " (a partial download resumes)";
        }
        return "Cannot write " + what + " into " + where + ": " + describe(e);
    }

    /** One file of the repository at a commit. */
    private record RepoFile(String name, long size, String blobName, boolean lfs) {}

    private record RepoFiles(String commit, List<RepoFile> files) {}

    /** The wanted files of {@code ref} and the commit its revision is at. */
    private RepoFiles repoFiles(HubReference ref, java.util.function.Predicate<String> wanted) throws IOException {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + ref.repoId() + "/revision/"
                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8) + "?blobs=true");
        HttpResponse<InputStream> r = send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET(),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw refused(ref, r.statusCode(), r.headers().firstValue("X-Error-Code").orElse(""));
            }
            body = in.readNBytes(MAX_LISTING_BYTES + 1);
        }
        if (body.length > MAX_LISTING_BYTES) {
            throw new HubException(uri + " answered more than " + MAX_LISTING_BYTES + " bytes for a file list");
        }
        JsonObject json;
        try {
            json = StrictJson.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new HubException(uri + " did not answer with the Hub's JSON: " + e.getMessage(), e);
        }
        String commit = string(json, "sha", uri);
        if (!SHA1.matcher(commit).matches()) {
            throw new HubException(uri + ": 'sha' is not a commit hash: " + commit);
        }
        JsonElement siblings = json.get("siblings");
        if (siblings == null || !siblings.isJsonArray()) {
            throw new HubException(uri + ": no 'siblings' list of files");
        }
        List<RepoFile> out = new ArrayList<>();
        for (JsonElement e : siblings.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                throw new HubException(uri + ": a file entry is not an object: " + e);
            }
            JsonObject o = e.getAsJsonObject();
            String name = string(o, "rfilename", uri);
            if (!wanted.test(name)) {
                continue;
            }
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("\\") || name.contains("\0")) {
                throw new HubException(uri + ": file name '" + name + "' is not a plain name");
            }
            JsonElement lfs = o.get("lfs");
            boolean isLfs = lfs != null && lfs.isJsonObject();
            String blob = isLfs ? string(lfs.getAsJsonObject(), "sha256", uri) : string(o, "blobId", uri);
            if (!(isLfs ? SHA256 : SHA1).matcher(blob).matches()) {
                throw new HubException(uri + ": '" + name + "' has no valid " + (isLfs ? "sha256" : "blobId") + ": " + blob);
            }
            long size = isLfs ? number(lfs.getAsJsonObject(), "size", uri) : number(o, "size", uri);
            out.add(new RepoFile(name, size, blob, isLfs));
        }
        if (out.stream().anyMatch(f -> f.name().equals("model.safetensors"))) {
            out.removeIf(f -> SHARD.matcher(f.name()).matches()); // the single file wins, as in transformers
        }
        if (out.stream().noneMatch(f -> f.name().equals("config.json"))) {
            throw new HubException(ref + " has no config.json at " + commit.substring(0, 12) + ": not a model"
                    + " repository jgpt can load");
        }
        return new RepoFiles(commit, out);
    }

    private static String string(JsonObject o, String field, URI uri) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new HubException(uri + ": expected a string '" + field + "'");
        }
        return e.getAsString();
    }

    private static long number(JsonObject o, String field, URI uri) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || e.getAsDouble() < 0
                || e.getAsDouble() != Math.rint(e.getAsDouble())) {
            throw new HubException(uri + ": expected a byte count '" + field + "'");
        }
        return e.getAsLong();
    }

    /** The one-line message for a refused request about {@code ref}. */
    private HubException refused(HubReference ref, int status, String errorCode) {
        String tokens = "https://huggingface.co/settings/tokens";
        boolean token = settings.token() != null;
        return switch (status) {
            case 401 -> new HubException(token
                    ? "The Hub refused the token in HF_TOKEN for " + ref.repoId() + " (401): check that the token is"
                            + " valid (" + tokens + ") and that the repository exists"
                    : "Repository " + ref.repoId() + " was not found, or it is private or gated (401): if it exists,"
                            + " set HF_TOKEN to a token of an account with access (" + tokens + ")");
            case 403 -> new HubException("The account of " + (token ? "HF_TOKEN" : "no token") + " has no access to "
                    + ref.repoId() + " (403): it is gated; accept its terms at " + settings.endpoint() + "/"
                    + ref.repoId() + (token ? "" : " and set HF_TOKEN (" + tokens + ")"));
            case 404 -> new HubException(errorCode.equals("RevisionNotFound")
                    ? "Revision '" + ref.revision() + "' not found in " + ref.repoId() + " (404)"
                    : errorCode.equals("EntryNotFound")
                    ? "A file the Hub listed for " + ref + " is not there (404); try again later"
                    : "Repository " + ref.repoId() + " not found on " + settings.endpoint() + " (404)");
            default -> new HubException("The Hub answered HTTP " + status + " for " + ref + "; try again later");
        };
    }

    /** Downloads {@code f} into {@code blob}, resuming a {@code .incomplete} file, checking its hash. */
    private void fetch(HubReference ref, String commit, RepoFile f, Path blob) throws IOException {
        Files.createDirectories(blob.getParent());
        // one writer per blob, across processes (Python's too): huggingface_hub's .locks/ layout
        Path lockFile = cache.root().resolve(".locks").resolve(ref.cacheFolderName()).resolve(f.blobName() + ".lock");
        Files.createDirectories(lockFile.getParent());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); java.nio.channels.FileLock lock = ch.lock()) {
            if (Files.isRegularFile(blob) && Files.size(blob) == f.size()) {
                return; // another process finished it meanwhile
            }
            fetchLocked(ref, commit, f, blob);
        }
    }

    private void fetchLocked(HubReference ref, String commit, RepoFile f, Path blob) throws IOException {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        if (!Files.exists(part)) {
            Files.createFile(part); // also what an empty file is hashed from
        }
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (have > f.size()) {
            Files.delete(part);
            have = 0;
        }
        URI uri = URI.create(settings.endpoint() + "/" + ref.repoId() + "/resolve/" + commit + "/"
                + URLEncoder.encode(f.name(), StandardCharsets.UTF_8).replace("+", "%20"));
        if (have < f.size()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(STALL).GET();
            if (have > 0) {
                request.header("Range", "bytes=" + have + "-");
            }
            HttpResponse<InputStream> r;
            try {
                r = send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new HubException("Cannot reach " + settings.endpoint() + " for " + f.name() + " of " + ref + " ("
                        + describe(e) + "); run again to resume", e);
            }
            boolean append = r.statusCode() == 206;
            if (r.statusCode() != 200 && !append) {
                r.body().close();
                throw refused(ref, r.statusCode(), r.headers().firstValue("X-Error-Code").orElse(""));
            }
            if (!append) {
                have = 0;
            }
            long[] lastByte = {System.nanoTime()};
            InputStream body = r.body();
            // the JDK client has no read timeout: a watchdog closes a body that stalls
            java.util.concurrent.ScheduledExecutorService watchdog =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
                        Thread t = new Thread(task, "jgpt-hub-watchdog");
                        t.setDaemon(true);
                        return t;
                    });
            watchdog.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastByte[0] > STALL.toNanos()) {
                    try {
                        body.close();
                    } catch (IOException ignored) {
                        // the reader sees the stream end
                    }
                }
            }, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
            try (InputStream in = body;
                    OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                long reported = -1;
                int n;
                while (have < f.size() && (n = in.read(buf, 0, (int) Math.min(buf.length, f.size() - have))) > 0) {
                    out.write(buf, 0, n);
                    have += n;
                    lastByte[0] = System.nanoTime();
                    if (progress != null && (have - reported >= f.size() / 100 || have == f.size())) {
                        progress.onBytes(f.name(), have, f.size());
                        reported = have;
                    }
                }
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("No space left")) {
                    throw e;
                }
                throw new HubException("The download of " + f.name() + " (" + ref + ") broke off after " + have + " of "
                        + f.size() + " bytes (" + describe(e) + "); run again to resume from there", e);
            } finally {
                watchdog.shutdownNow();
            }
            if (have < f.size()) {
                throw new HubException("The download of " + f.name() + " (" + ref + ") ended after " + have + " of "
                        + f.size() + " bytes; run again to resume from there");
            }
        }
        String actual = f.lfs() ? FileDigests.sha256(part) : FileDigests.gitBlobSha1(part);
        if (!actual.equals(f.blobName())) {
            Files.deleteIfExists(part);
            throw new HubException(f.name() + " of " + ref + " has " + (f.lfs() ? "SHA-256 " : "git SHA-1 ") + actual
                    + ", but the Hub gives " + f.blobName() + ": the download was corrupted and is deleted; run again");
        }
        AtomicFiles.move(part, blob);
    }

    /** Sends with redirects followed by hand, the token sent only to the endpoint's own host. */
    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) throws IOException {
        URI uri = request.build().uri();
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = request.copy().uri(uri).header("User-Agent", "jgpt");
            if (settings.token() != null && sameHost(uri, settings.endpoint())) {
                b.header("Authorization", "Bearer " + settings.token());
            }
            HttpResponse<T> r;
            try {
                r = http.send(b.build(), body);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("Interrupted");
            }
            int s = r.statusCode();
            if (s / 100 != 3 || hop >= MAX_REDIRECTS) {
                return r;
            }
            Optional<String> location = r.headers().firstValue("Location");
            if (r.body() instanceof InputStream in) {
                in.close();
            }
            if (location.isEmpty()) {
                return r;
            }
            try {
                uri = uri.resolve(location.get());
            } catch (IllegalArgumentException e) {
                throw new IOException("The Hub redirected to a malformed location: " + location.get(), e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IOException("The Hub redirected to a non-HTTP location: " + uri);
            }
        }
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort()
                && a.getScheme().equals(b.getScheme()); // never the token in clear text after an https -> http hop
    }


    /** {@code link} -> {@code ../../blobs/HASH} (relative, as huggingface_hub links), or a copy where links are refused. */
    private static void link(Path link, Path blob) throws IOException {
        Files.createDirectories(link.getParent());
        Path target = link.getParent().relativize(blob);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return;
        }
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING); // what huggingface_hub does on Windows
        }
    }
}
