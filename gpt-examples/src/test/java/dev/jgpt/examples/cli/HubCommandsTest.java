package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.FakeHub;
import dev.jgpt.model.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model owner/name}, {@code download} and {@code cache} against a loopback Hub
 * ({@code HF_ENDPOINT}, {@code HF_HUB_CACHE} given as system properties of the same names).
 */
class HubCommandsTest {

    @TempDir Path tmp;

    private final HubProperties hubProperties = new HubProperties();

    @AfterEach
    void clear() {
        hubProperties.restore();
    }

    @Test
    void aRepositoryIdIsDownloadedOnceAndThenServedFromTheCache() throws Exception {
        Path folder = TestData.modelFolder("qwen3-tiny", tmp.resolve("src"));
        try (FakeHub hub = new FakeHub(Map.of("jgpt-test/qwen3-tiny", folder))) {
            hubProperties.useHub(hub.endpoint(), tmp.resolve("hub"));
            JgptCliTest.Result d = JgptCliTest.run("download", "jgpt-test/qwen3-tiny");
            assertThat(d.code()).as(d.err()).isZero();
            Path snapshot = Path.of(d.lastLine());
            assertThat(snapshot).isEqualTo(tmp.resolve("hub/models--jgpt-test--qwen3-tiny/snapshots")
                    .resolve(hub.commit("jgpt-test/qwen3-tiny")));
            assertThat(Files.isSymbolicLink(snapshot.resolve("model.safetensors"))).isTrue();
        }
        // the server is gone and offline is set: generate finds the cached snapshot by the repository id
        System.setProperty("HF_HUB_OFFLINE", "1");
        hubProperties.restoreOffline();
        System.setProperty("HF_ENDPOINT", "http://127.0.0.1:9");
        ModelSource.reset();
        JgptCliTest.Result g = JgptCliTest.run("generate", "--model", "jgpt-test/qwen3-tiny", "--prompt-ids",
                "123785,4860,148905,95429,34786", "--max-new-tokens", "5", "--greedy", "--print-ids");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.lastLine()).isEqualTo("37572,11656,50500,50500,98326");
        JgptCliTest.Result c = JgptCliTest.run("cache");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("1 model").contains("jgpt-test/qwen3-tiny").contains("refs main=");
        JgptCliTest.Result missing = JgptCliTest.run("info", "--model", "jgpt-test/absent");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).startsWith("error: No folder 'jgpt-test/absent' here, and as a Hub repository: Offline"
                + " (HF_HUB_OFFLINE or ai.djl.offline) and jgpt-test/absent is not in the cache").contains("it holds jgpt-test/qwen3-tiny").doesNotContain("\tat ");
        assertThat(JgptCliTest.run("download", "not a repo").code()).isEqualTo(2);
    }
}
