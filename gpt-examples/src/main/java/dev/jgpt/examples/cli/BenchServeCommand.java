package dev.jgpt.examples.cli;

import com.google.gson.JsonObject;
import dev.jgpt.examples.serve.ServeLoad;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jgpt bench-serve}: a bounded loopback load test of the server, started here on {@code
 * --model} or already running at {@code --url}. Prints latency quantiles, tokens/s, outcomes by
 * kind and the server's RSS before and after; exits 1 unless the run was clean (no 5xx other than
 * the designed 429/503, no broken stream or connection) and RSS came back within {@code
 * --rss-tolerance}.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load-test the server over loopback: streaming and plain requests, malformed ones, clients that"
                + " leave mid-stream; report p50/p99 latency, tokens/s, errors by kind and RSS before/after.")
final class BenchServeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "Serve this model folder in this JVM for the test.")
    String model;

    @Option(names = "--url", description = "Test a server already running here instead (e.g. http://127.0.0.1:8080).")
    String url;

    @Option(names = "--server-pid", description = "With --url: the server's process id, to read its RSS from /proc.")
    String serverPid;

    @Option(names = "--requests", defaultValue = "240", description = "Requests in all (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--clients", defaultValue = "16", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--warmup", defaultValue = "32", description = "Requests before the RSS baseline (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--time-limit", defaultValue = "600", description = "Seconds after which no request starts (default: ${DEFAULT-VALUE}).")
    int timeLimit;

    @Option(names = "--retries", defaultValue = "5", description = "Tries after a 429/503, each after Retry-After (default: ${DEFAULT-VALUE}).")
    int retries;

    @CommandLine.Mixin SchedulerOptions scheduler;

    @Option(names = "--max-queue", defaultValue = "8", description = "With --model: queue places (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--settle", defaultValue = "5", description = "Idle seconds before the last RSS reading (default: ${DEFAULT-VALUE}).")
    int settle;

    @Option(names = "--rss-tolerance", defaultValue = "0.10", description = "Allowed RSS growth, as a fraction (default: ${DEFAULT-VALUE}).")
    double rssTolerance;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if ((model == null) == (url == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give either --model or --url");
        }
        if (requests < 1 || clients < 1 || maxTokens < 1 || warmup < 0 || timeLimit < 1 || settle < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--requests, --clients, --max-tokens and --time-limit must be >= 1; --warmup, --settle >= 0");
        }
        if (model != null) {
            String name = Paths.get(model).toAbsolutePath().normalize().getFileName().toString();
            dev.jgpt.examples.serve.CompletionService.Scheduling scheduling = scheduler.scheduling(spec.commandLine());
            try (ServeCommand.Served served = ServeCommand.Served.open(model, null, null, name, "127.0.0.1", 0,
                    scheduling, maxQueue)) {
                out.printf("serving %s in this JVM on port %d (%s, %d queue places); the RSS below includes the"
                        + " load clients%n", name, served.server().port(), scheduling, maxQueue);
                return bench(out, URI.create("http://127.0.0.1:" + served.server().port()), "self");
            }
        }
        return bench(out, URI.create(url), serverPid);
    }

    private int bench(PrintWriter out, URI base, String pid) throws IOException, InterruptedException {
        JsonObject models = ServeLoad.getJson(base.resolve("/v1/models"));
        String name = models.getAsJsonArray("data").get(0).getAsJsonObject().get("id").getAsString();
        Duration limit = Duration.ofSeconds(timeLimit);
        if (warmup > 0) {
            new ServeLoad(new ServeLoad.Settings(base, name, warmup, clients, maxTokens, limit, retries)).run();
        }
        ServeLoad.awaitIdle(base);
        long before = rss(pid);
        ServeLoad.Report r = new ServeLoad(new ServeLoad.Settings(base, name, requests, clients, maxTokens, limit,
                retries)).run();
        ServeLoad.awaitIdle(base);
        Thread.sleep(settle * 1000L);
        long after = rss(pid);
        JsonObject health = ServeLoad.getJson(base.resolve("/health"));

        out.printf(Locale.ROOT, "load: %d of %d requests (%s) from %d clients in %.1f s, max_tokens %d%n", r.sent(),
                requests, r.kinds(), clients, r.wallNanos() / 1e9, maxTokens);
        out.printf(Locale.ROOT, "attempts by outcome: %s; requests still turned away after %d retries: %d%n",
                r.outcomes(), retries, r.turnedAway());
        out.printf(Locale.ROOT, "latency of served plain+stream requests (%d): p50 %.0f ms, p99 %.0f ms%n",
                r.latencyNanos().length, ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.5),
                ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.99));
        out.printf(Locale.ROOT, "time to first token, streams (%d): p50 %.0f ms, p99 %.0f ms%n",
                r.firstTokenNanos().length, ServeLoad.Report.quantileMillis(r.firstTokenNanos(), 0.5),
                ServeLoad.Report.quantileMillis(r.firstTokenNanos(), 0.99));
        out.printf(Locale.ROOT, "tokens: %d generated for served requests = %.1f tokens/s of wall time%n",
                r.completionTokens(), r.tokensPerSecond());
        r.problems().forEach(p -> out.println("problem: " + p));
        boolean rssKnown = before > 0 && after > 0;
        double growth = rssKnown ? (after - before) / (double) before : 0;
        if (rssKnown) {
            out.printf(Locale.ROOT, "RSS (pid %s): %.1f MB after %d warm-up requests -> %.1f MB %d s after the run"
                    + " (%+.1f%%)%n", pid, before / 1024.0, warmup, after / 1024.0, settle, 100 * growth);
        } else {
            out.println("RSS: not measured (give --server-pid with --url; needs /proc)");
        }
        out.println("health after: " + health);
        boolean idle = health.get("queued").getAsInt() == 0;
        boolean pass = r.clean() && idle && (!rssKnown || growth <= rssTolerance) && r.sent() == requests;
        out.printf(Locale.ROOT, "result: %s (designed 429/503 only, every stream and connection whole, queue empty,"
                + " RSS within %.0f%%)%n", pass ? "PASS" : "FAIL", 100 * rssTolerance);
        out.flush();
        return pass ? 0 : 1;
    }

    private static long rss(String pid) {
        return pid == null ? -1 : BenchGenerateCommand.rssKb(pid, "VmRSS:");
    }
}
