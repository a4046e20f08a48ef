package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import org.junit.jupiter.api.Test;

/** {@code jgpt serve} and {@code jgpt bench-serve} argument handling, and a short bench-serve run. */
class ServeCommandsTest {

    @Test
    void badServeArgumentsAreOneClearError() throws Exception {
        JgptCliTest.Result slots = JgptCliTest.run("serve", "--model", "x", "--scheduler", "per-slot",
                "--max-concurrency", "0");
        assertThat(slots.code()).isEqualTo(2);
        assertThat(slots.err()).contains("--max-batch, --max-concurrency and --prefill-chunk must be >= 1");
        JgptCliTest.Result rows = JgptCliTest.run("serve", "--model", "x", "--max-batch", "0");
        assertThat(rows.code()).isEqualTo(2);
        assertThat(rows.err()).contains("must be >= 1");
        JgptCliTest.Result wrong = JgptCliTest.run("serve", "--model", "x", "--scheduler", "fifo");
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("--scheduler must be batch or per-slot, got 'fifo'");
        JgptCliTest.Result mixed = JgptCliTest.run("serve", "--model", "x", "--max-concurrency", "4");
        assertThat(mixed.code()).isEqualTo(2);
        assertThat(mixed.err()).contains("--max-concurrency is for --scheduler per-slot");
        JgptCliTest.Result mixed2 = JgptCliTest.run("serve", "--model", "x", "--scheduler", "per-slot",
                "--max-batch", "4");
        assertThat(mixed2.err()).contains("--max-batch is for --scheduler batch");
        JgptCliTest.Result missing = JgptCliTest.run("serve", "--model", "/no/such/model", "--port", "0");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("error: --model '/no/such/model' is not a model folder");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            JgptCliTest.Result busy = JgptCliTest.run("serve", "--model", TestData.fixture("tiny-gpt2").toString(),
                    "--port", String.valueOf(taken.getLocalPort()));
            assertThat(busy.code()).isEqualTo(1);
            assertThat(busy.err().strip()).startsWith("error: Cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        JgptCliTest.Result neither = JgptCliTest.run("bench-serve");
        assertThat(neither.code()).isEqualTo(2);
        assertThat(neither.err()).contains("Give either --model, --model-size or --url");
    }

    @Test
    void benchServeReportsLatencyTokensOutcomesAndRss() {
        JgptCliTest.Result r = JgptCliTest.run("bench-serve", "--model", TestData.fixture("tiny-gpt2").toString(),
                "--requests", "20", "--clients", "4", "--warmup", "4", "--max-tokens", "4", "--settle", "0",
                "--rss-tolerance", "1.0");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("load: 20 of 20 requests").contains("p50").contains("p99")
                .contains("tokens/s").contains("RATE_LIMITED_429=").contains("RSS (pid self)")
                .contains("result: PASS");
    }

    @Test
    void benchServeSweepComparesBothSchedulersInOneRun() {
        JgptCliTest.Result r = JgptCliTest.run("bench-serve", "--model-size", "tiny", "--sweep", "1,3", "--rounds",
                "1", "--max-tokens", "4", "--max-batch", "4", "--max-concurrency", "2");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("model tiny (random weights)").contains("CPU: ")
                .contains("batch scheduler (up to 4 per forward pass, prompts 256 tokens per step),  1 clients:")
                .contains("per-slot scheduler (2 slots),  3 clients:").contains("first token p50")
                .contains(" 3 clients: batch / per-slot = ").contains("result: PASS");
        JgptCliTest.Result url = JgptCliTest.run("bench-serve", "--url", "http://127.0.0.1:1", "--sweep", "1");
        assertThat(url.code()).isEqualTo(2);
        assertThat(url.err()).contains("--sweep starts its own servers");
    }
}
