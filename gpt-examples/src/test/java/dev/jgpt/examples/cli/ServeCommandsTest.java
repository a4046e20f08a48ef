package dev.jgpt.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jgpt serve} and {@code jgpt bench-serve} argument handling, a short bench-serve run, and
 * {@code jgpt serve} stopped by SIGTERM in a process of its own.
 */
class ServeCommandsTest {

    @TempDir Path tmp;

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
        JgptCliTest.Result limits = JgptCliTest.run("serve", "--model", "x", "--read-timeout", "0");
        assertThat(limits.code()).isEqualTo(2);
        assertThat(limits.err()).contains("--read-timeout and --max-connections must be >= 1");
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

    private static boolean refused(int port) throws IOException {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    @Test
    void sigtermLetsARunningStreamFinishRefusesNewConnectionsAndExitsZero() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.default_engine=" + System.getProperty("ai.djl.default_engine", "PyTorch"),
                JgptCli.class.getName(), "serve", "--model", TestData.fixture("tiny-gpt2").toString(), "--port", "0",
                "--shutdown-timeout", "30");
        Process p = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("out.log").toFile())
                .redirectError(tmp.resolve("err.log").toFile()).start();
        try {
            // to a file: destroy() closes the pipes, and what the stop prints comes after it
            Path out = tmp.resolve("out.log");
            long until = System.currentTimeMillis() + 120_000;
            String banner = "";
            while (!banner.contains("serving") && p.isAlive() && System.currentTimeMillis() < until) {
                Thread.sleep(50);
                banner = Files.exists(out) ? Files.readString(out) : "";
            }
            Matcher m = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+) ").matcher(String.valueOf(banner));
            assertThat(m.find()).as(banner + Files.readString(tmp.resolve("err.log"))).isTrue();
            int port = Integer.parseInt(m.group(1));
            byte[] body = ("{\"prompt\":\"Every effort moves you\",\"max_tokens\":120,\"temperature\":0,"
                    + "\"stream\":true}").getBytes(StandardCharsets.UTF_8);
            try (Socket stream = new Socket()) {
                // a small window, read only after the signal: the stream is still being written when it comes
                stream.setReceiveBufferSize(1024);
                stream.setSoTimeout(60_000);
                stream.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                stream.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                stream.getOutputStream().write(body);
                InputStream in = stream.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                while (!got.toString(StandardCharsets.UTF_8).contains("data: {")) {
                    int b = in.read();
                    assertThat(b).as(got.toString(StandardCharsets.UTF_8)).isNotNegative();
                    got.write(b);
                }
                assertThat(got.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
                p.destroy(); // SIGTERM
                long deadline = System.currentTimeMillis() + 30_000;
                while (!refused(port) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(refused(port)).as("a new connection after SIGTERM is refused").isTrue();
                got.write(in.readAllBytes());
                assertThat(got.toString(StandardCharsets.UTF_8)).contains("\"finish_reason\":\"length\"")
                        .contains("data: [DONE]");
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String rest = Files.readString(out);
            assertThat(p.exitValue()).as(rest + Files.readString(tmp.resolve("err.log"))).isZero();
            assertThat(rest).contains("stopping: no new connections").contains("stopped: every request finished");
        } finally {
            p.destroyForcibly();
        }
    }
}
