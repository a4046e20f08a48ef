package dev.jgpt.model.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The model cache as {@code huggingface_hub} lays it out, so that a model Python downloaded is
 * found here and one downloaded here is found by Python:
 *
 * <pre>
 * $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub)
 *   models--{owner}--{name}/
 *     blobs/{sha256 or git sha1}       the files' bytes, one per content
 *     refs/{branch or tag}             the commit the revision pointed at
 *     snapshots/{commit}/{file}        relative links into ../../blobs/
 * </pre>
 */
public final class HubCache {

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    /** A cache rooted at {@code root} (the folder holding the {@code models--*} folders). */
    public HubCache(Path root) {
        this.root = root;
    }

    /** The cache the environment names, as {@code huggingface_hub} resolves it: {@code HF_HUB_CACHE}, else {@link #home}{@code /hub}. */
    public static HubCache fromEnvironment(Map<String, String> env) {
        String hubCache = env.get("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) {
            return new HubCache(Paths.get(hubCache));
        }
        return new HubCache(home(env).resolve("hub"));
    }

    /**
     * {@code huggingface_hub}'s home, which holds the cache and the login token: {@code HF_HOME},
     * else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}.
     */
    public static Path home(Map<String, String> env) {
        String home = env.get("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Paths.get(home);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("huggingface");
    }

    /** The folder holding the {@code models--*} folders. */
    public Path root() {
        return root;
    }

    /** {@code models--owner--name}. */
    public Path repoDir(HubReference ref) {
        return root.resolve(ref.cacheFolderName());
    }

    /** Where the bytes of content {@code blobName} live. */
    public Path blob(HubReference ref, String blobName) {
        return repoDir(ref).resolve("blobs").resolve(blobName);
    }

    /** The snapshot folder of {@code commit}. */
    public Path snapshot(HubReference ref, String commit) {
        return repoDir(ref).resolve("snapshots").resolve(commit);
    }

    /** The commit {@code ref}'s revision points at in the cache: itself for a commit, else {@code refs/REVISION}. */
    public Optional<String> commit(HubReference ref) {
        if (ref.isCommit()) {
            return Optional.of(ref.revision());
        }
        Path file = repoDir(ref).resolve("refs").resolve(ref.revision());
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(file, StandardCharsets.UTF_8).strip();
            return COMMIT.matcher(commit).matches() ? Optional.of(commit) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The cached snapshot of {@code ref} when it holds a whole model, else empty: {@code
     * config.json} and the weights ({@code model.safetensors}, or the index and every shard it
     * names), each link leading to its blob. A snapshot Python filled with the config alone
     * ({@code AutoConfig}), or a download cut short, is not one.
     */
    public Optional<Path> cachedModel(HubReference ref) {
        return commit(ref).map(c -> snapshot(ref, c)).filter(HubCache::holdsModel);
    }

    private static boolean holdsModel(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            return false;
        }
        if (Files.isRegularFile(dir.resolve(dev.jgpt.model.io.SafeTensorsFolder.SINGLE_FILE))) {
            return true;
        }
        if (!Files.isRegularFile(dir.resolve(dev.jgpt.model.io.SafeTensorsFolder.INDEX_FILE))) {
            return false;
        }
        try (dev.jgpt.model.io.SafeTensorsFolder weights = dev.jgpt.model.io.SafeTensorsFolder.open(dir)) {
            return true; // every shard the index names is there and valid
        } catch (dev.jgpt.model.io.CheckpointException e) {
            return false;
        }
    }

    /** Records that {@code ref}'s revision points at {@code commit} ({@code refs/REVISION}). */
    public void writeRef(HubReference ref, String commit) throws IOException {
        if (ref.isCommit()) {
            return;
        }
        Path file = repoDir(ref).resolve("refs").resolve(ref.revision());
        dev.jgpt.model.files.AtomicFiles.writeString(file, commit);
    }

    /**
     * One cached repository.
     *
     * @param repoId {@code owner/name}
     * @param bytes the size of its blobs
     * @param snapshots its snapshot folders (commits)
     * @param refs its revisions, {@code name=commit}
     */
    public record CachedModel(String repoId, long bytes, List<String> snapshots, List<String> refs) {}

    /** Every cached model repository, by name. */
    public List<CachedModel> list() {
        List<CachedModel> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> repos = Files.list(root)) {
            for (Path repo : (Iterable<Path>) repos.sorted()::iterator) {
                String name = repo.getFileName().toString();
                if (!name.startsWith("models--") || !Files.isDirectory(repo)) {
                    continue;
                }
                String repoId = name.substring("models--".length()).replaceFirst("--", "/");
                out.add(new CachedModel(repoId, size(repo.resolve("blobs")), names(repo.resolve("snapshots")),
                        refs(repo.resolve("refs"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the HuggingFace cache " + root + ": " + e, e);
        }
        return out;
    }

    private static long size(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".incomplete"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> refs(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.add(dir.relativize(f).toString().replace('\\', '/') + "="
                        + Files.readString(f, StandardCharsets.UTF_8).strip());
            }
        }
        return out;
    }
}
