package dev.jgpt.model.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.testing.FakeHub;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HubClient} against a loopback server that answers like the Hub ({@link FakeHub}),
 * serving {@code testdata/qwen3-tiny}: a download verified into huggingface_hub's cache layout,
 * then found with no request; an interrupted transfer resumed with a Range; a corrupted byte
 * caught; 401, 403, 404 and no network each one clear message; a cache laid out by hand used as
 * it is.
 */
class HubClientTest {

    private static final String REPO = "jgpt-test/qwen3-tiny";
    private static final HubReference REF = HubReference.parse(REPO).orElseThrow();

    @TempDir Path tmp;
    private Path model;
    private HubCache cache;

    @BeforeEach
    void setUp() {
        model = TestData.modelFolder("qwen3-tiny", tmp.resolve("source")); // tokenizer.json decompressed
        cache = new HubCache(tmp.resolve("hub"));
    }

    private HubClient client(URI endpoint, String token, boolean offline) {
        return new HubClient(new HubClient.Settings(endpoint, token, offline), cache, null);
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFirstRunDownloadsAndVerifiesASecondFindsTheCacheWithTheServerStopped() throws IOException {
        Path snapshot;
        String commit;
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            commit = hub.commit(REPO);
            snapshot = client(hub.endpoint(), null, false).model(REF);
            assertThat(hub.requests()).noneMatch(r -> r.contains(".bin") || r.contains(".pth") || r.contains("onnx"));
            assertThat(hub.requests()).anyMatch(r -> r.startsWith("GET /cdn/")); // the LFS redirect was followed
        }
        Path repo = tmp.resolve("hub/models--jgpt-test--qwen3-tiny");
        assertThat(snapshot).isEqualTo(repo.resolve("snapshots").resolve(commit));
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(commit);
        assertThat(names(snapshot)).containsExactly("config.json", "expected.json", "generation_config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json"); // not expected-logits.f32: no model needs it
        for (String f : names(snapshot)) {
            Path link = snapshot.resolve(f);
            assertThat(Files.isSymbolicLink(link)).as(f).isTrue();
            assertThat(Files.readSymbolicLink(link).toString()).startsWith("../../blobs/");
            assertThat(Files.mismatch(link, model.resolve(f))).as(f).isEqualTo(-1);
        }
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        assertThat(repo.resolve("blobs").resolve(FakeHub.sha256(weights))).exists(); // LFS blobs by SHA-256
        assertThat(names(repo.resolve("blobs"))).noneMatch(n -> n.endsWith(".incomplete"));

        // the server is gone: the cached snapshot answers, without a request
        try (FakeHub other = new FakeHub(Map.of())) {
            assertThat(client(other.endpoint(), null, false).model(REF)).isEqualTo(snapshot);
            assertThat(other.requests()).isEmpty();
        }
        URI closed = URI.create("http://127.0.0.1:9"); // nothing listens on the discard port
        assertThat(client(closed, null, false).download(REF)).isEqualTo(snapshot); // no network: the cache
        assertThat(client(closed, null, true).model(REF)).isEqualTo(snapshot);
        try (LanguageModel lm = LanguageModel.load(snapshot)) {
            assertThat(lm.config().modelType()).isEqualTo("qwen3");
        }
    }

    @Test
    void aSnapshotWithoutItsWeightsIsNotAModelAndAnEmptyFileDownloads() throws IOException {
        Files.writeString(model.resolve("added_tokens.json"), ""); // a zero-byte file
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            // what Python's AutoConfig leaves: refs/main and the config alone
            Path repo = tmp.resolve("hub/models--jgpt-test--qwen3-tiny");
            Path snapshot = repo.resolve("snapshots").resolve(hub.commit(REPO));
            Files.createDirectories(snapshot);
            Files.copy(model.resolve("config.json"), snapshot.resolve("config.json"));
            Files.createDirectories(repo.resolve("refs"));
            Files.writeString(repo.resolve("refs/main"), hub.commit(REPO));
            assertThat(cache.cachedModel(REF)).isEmpty();
            assertThat(client(hub.endpoint(), null, false).model(REF)).isEqualTo(snapshot);
            assertThat(hub.requests()).anyMatch(r -> r.contains("model.safetensors"));
            assertThat(Files.size(snapshot.resolve("added_tokens.json"))).isZero();
            assertThat(cache.cachedModel(REF)).contains(snapshot);
        }
    }

    @Test
    void anInterruptedTransferResumesWithARangeRequest() throws IOException {
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            hub.cutNextDownload("model.safetensors");
            HubClient client = client(hub.endpoint(), null, false);
            assertThatThrownBy(() -> client.download(REF)).isInstanceOf(HubException.class)
                    .hasMessageContaining("model.safetensors").hasMessageContaining("run again to resume");
            Path blobs = tmp.resolve("hub/models--jgpt-test--qwen3-tiny/blobs");
            String sha = FakeHub.sha256(Files.readAllBytes(model.resolve("model.safetensors")));
            Path part = blobs.resolve(sha + ".incomplete");
            assertThat(part).exists();
            long kept = Files.size(part);
            assertThat(kept).isPositive().isLessThan(Files.size(model.resolve("model.safetensors")));
            assertThat(blobs.resolve(sha)).doesNotExist(); // nothing that looks complete
            Path snapshot = client.download(REF);
            assertThat(hub.requests()).contains("GET /cdn/jgpt-test/qwen3-tiny/model.safetensors Range: bytes=" + kept + "-");
            assertThat(Files.mismatch(snapshot.resolve("model.safetensors"), model.resolve("model.safetensors")))
                    .isEqualTo(-1);
        }
    }

    @Test
    void aCorruptedByteIsCaughtAndNothingIsLeftInTheSnapshot() throws IOException {
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            hub.corruptNextDownload("model.safetensors");
            assertThatThrownBy(() -> client(hub.endpoint(), null, false).download(REF)).isInstanceOf(HubException.class)
                    .hasMessageContaining("model.safetensors").hasMessageContaining("SHA-256")
                    .hasMessageContaining("corrupted and is deleted");
            Path repo = tmp.resolve("hub/models--jgpt-test--qwen3-tiny");
            assertThat(names(repo.resolve("snapshots").resolve(hub.commit(REPO)))).doesNotContain("model.safetensors");
            assertThat(names(repo.resolve("blobs"))).noneMatch(n -> n.endsWith(".incomplete"));
            assertThat(repo.resolve("refs/main")).doesNotExist();
            hub.corruptNextDownload("config.json"); // a small file, checked by its git blob id
            assertThatThrownBy(() -> new HubClient(new HubClient.Settings(hub.endpoint(), null, false),
                    new HubCache(tmp.resolve("other")), null).download(REF))
                    .hasMessageContaining("config.json").hasMessageContaining("git SHA-1");
        }
    }

    @Test
    void aFullDiskIsOneClearMessage() throws IOException {
        Path full = Path.of("/dev/full"); // every write fails with ENOSPC, as on a full disk
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(full), "needs Linux's /dev/full");
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            Path blobs = tmp.resolve("hub/models--jgpt-test--qwen3-tiny/blobs");
            Files.createDirectories(blobs);
            String sha = FakeHub.sha256(Files.readAllBytes(model.resolve("model.safetensors")));
            Files.createSymbolicLink(blobs.resolve(sha + ".incomplete"), full);
            assertThatThrownBy(() -> client(hub.endpoint(), null, false).download(REF)).isInstanceOf(HubException.class)
                    .hasMessageStartingWith("Disk full while writing model.safetensors into " + blobs)
                    .hasMessageContaining("free some space and run again");
        }
    }

    @Test
    void refusalsAndAMissingNetworkAreOneClearMessage() {
        try (FakeHub hub = new FakeHub(Map.of(REPO, model))) {
            assertThatThrownBy(() -> client(hub.endpoint(), null, false).download(HubReference.parse("nobody/none")
                    .orElseThrow())).isInstanceOf(HubException.class)
                    .hasMessage("Repository nobody/none was not found, or it is private or gated (401): if it exists,"
                            + " set HF_TOKEN to a token of an account with access (https://huggingface.co/settings/tokens)");
            hub.answerEverything(401, "");
            assertThatThrownBy(() -> client(hub.endpoint(), "hf_bad", false).download(REF))
                    .hasMessageContaining("The Hub refused the token in HF_TOKEN for " + REPO + " (401)");
            assertThat(hub.requests().get(hub.requests().size() - 1)).endsWith("Authorization: Bearer hf_bad");
            hub.answerEverything(403, "GatedRepo");
            assertThatThrownBy(() -> client(hub.endpoint(), "hf_ok", false).download(REF))
                    .hasMessageContaining("The account of HF_TOKEN has no access to " + REPO + " (403)")
                    .hasMessageContaining("accept its terms at " + hub.endpoint() + "/" + REPO);
            hub.answerEverything(404, "RevisionNotFound");
            assertThatThrownBy(() -> client(hub.endpoint(), null, false).download(HubReference.parse(REPO + "@v9")
                    .orElseThrow())).hasMessage("Revision 'v9' not found in " + REPO + " (404)");
        }
        assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:9"), null, false).model(REF))
                .isInstanceOf(HubException.class).hasMessageStartingWith("Cannot reach http://127.0.0.1:9 (")
                .hasMessageContaining("and " + REPO + " is not in the cache").hasMessageContaining("it holds no model");
        assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:9"), null, true).model(REF))
                .hasMessageStartingWith("Offline (HF_HUB_OFFLINE or ai.djl.offline) and " + REPO + " is not in the cache");
    }

    @Test
    void aCacheLaidOutByHandAsHuggingfaceHubWritesItIsUsedWithoutARequest() throws IOException {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = tmp.resolve("hub/models--Qwen--Qwen3-0.6B");
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot);
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(repo.resolve("refs"));
        for (String f : names(model)) {
            byte[] bytes = Files.readAllBytes(model.resolve(f));
            String blob = f.endsWith(".safetensors") ? FakeHub.sha256(bytes) : FakeHub.gitBlobSha1(bytes);
            Files.write(repo.resolve("blobs").resolve(blob), bytes);
            Files.createSymbolicLink(snapshot.resolve(f), Path.of("../../blobs", blob));
        }
        Files.writeString(repo.resolve("refs/main"), commit);
        try (FakeHub hub = new FakeHub(Map.of())) {
            HubClient client = client(hub.endpoint(), null, false);
            assertThat(client.model(HubReference.parse("Qwen/Qwen3-0.6B").orElseThrow())).isEqualTo(snapshot);
            assertThat(client.model(HubReference.parse("Qwen/Qwen3-0.6B@" + commit).orElseThrow())).isEqualTo(snapshot);
            assertThat(hub.requests()).isEmpty();
        }
        try (LanguageModel lm = LanguageModel.load(snapshot)) {
            assertThat(lm.config().vocabSize()).isEqualTo(151936);
        }
        HubCache.CachedModel listed = cache.list().get(0);
        assertThat(listed.repoId()).isEqualTo("Qwen/Qwen3-0.6B");
        assertThat(listed.refs()).containsExactly("main=" + commit);
        assertThat(listed.snapshots()).containsExactly(commit);
        assertThat(listed.bytes()).isGreaterThan(Files.size(model.resolve("model.safetensors")));
    }

    @Test
    void referencesAndTheFilesAModelNeeds() {
        assertThat(HubReference.parse("gpt2").orElseThrow()).isEqualTo(new HubReference("openai-community/gpt2", "main"));
        assertThat(HubReference.parse("Qwen/Qwen3-0.6B@v1.0").orElseThrow().revision()).isEqualTo("v1.0");
        assertThat(HubReference.parse("qwen3-0.6b")).isEmpty(); // a preset
        assertThat(HubReference.parse("../etc/passwd")).isEmpty();
        assertThat(HubReference.parse("a/b@../x")).isEmpty();
        assertThat(HubReference.parse("a--b/c")).isEmpty();
        assertThat(HubReference.parse("Qwen/Qwen3-0.6B").orElseThrow().cacheFolderName()).isEqualTo("models--Qwen--Qwen3-0.6B");
        assertThat(List.of("config.json", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
                "tokenizer.json", "generation_config.json", "chat_template.jinja", "merges.txt"))
                .allMatch(HubClient::wanted);
        assertThat(List.of("pytorch_model.bin", "original/consolidated.00.pth", "onnx/model.onnx", "tf_model.h5",
                "flax_model.msgpack", "README.md", ".gitattributes", "consolidated.safetensors",
                "adapter_model.safetensors")).noneMatch(HubClient::wanted);
        assertThatThrownBy(() -> HubClient.Settings.fromEnvironment(Map.of("HF_ENDPOINT", "mirror.example")))
                .hasMessageContaining("HF_ENDPOINT must be an http(s) URL");
        Map<String, String> env = Map.of("HF_HOME", "/x/hf", "HF_ENDPOINT", "https://mirror.example/", "HF_TOKEN", "hf_t",
                "HF_HUB_OFFLINE", "1");
        assertThat(HubCache.fromEnvironment(env).root()).isEqualTo(Path.of("/x/hf/hub"));
        assertThat(HubCache.fromEnvironment(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/x")).root()).isEqualTo(Path.of("/c"));
        assertThat(HubCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/xdg")).root()).isEqualTo(Path.of("/xdg/huggingface/hub"));
        assertThat(HubCache.home(Map.of("XDG_CACHE_HOME", "/xdg"))).isEqualTo(Path.of("/xdg/huggingface"));
        HubClient.Settings s = HubClient.Settings.fromEnvironment(env);
        assertThat(s.endpoint()).isEqualTo(URI.create("https://mirror.example"));
        assertThat(s.token()).isEqualTo("hf_t");
        assertThat(s.offline()).isTrue();
    }
}
