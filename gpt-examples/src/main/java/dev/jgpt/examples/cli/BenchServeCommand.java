package dev.jgpt.examples.cli;

import com.google.gson.JsonObject;
import dev.jgpt.examples.serve.CompletionService;
import dev.jgpt.examples.serve.OpenAiServer;
import dev.jgpt.examples.serve.ServeLoad;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
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

    @Option(names = "--model-size", description = "Serve a preset's shape with random weights (124M, qwen3-0.6b, ...)"
            + " and the GPT-2 tokenizer: a throughput run needs no trained weights.")
    String modelSize;

    @Option(names = "--tokenizer", description = "With --model-size: a folder or Hub repository with the"
            + " tokenizer (default: the family's, fetched from the Hub; GPT-2's built in).")
    String tokenizerSpec;

    @Option(names = "--sweep", split = ",", paramLabel = "N,N,...", description = "Instead of the mixed load: for"
            + " each --schedulers entry and each client count here (e.g. 1,4,8,16), that many clients streaming"
            + " --rounds requests each of --max-tokens tokens; prints tokens/s, p50/p99 latency and time to first"
            + " token per scheduler, and the batch/per-slot ratio.")
    int[] sweep;

    @Option(names = "--schedulers", split = ",", defaultValue = "batch,per-slot", paramLabel = "batch,per-slot",
            description = "With --sweep: the schedulers compared in this run (default: ${DEFAULT-VALUE}).")
    String[] schedulers;

    @Option(names = "--rounds", defaultValue = "2", description = "With --sweep: requests per client at each point"
            + " (default: ${DEFAULT-VALUE}).")
    int rounds;

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
        if ((model == null ? 0 : 1) + (url == null ? 0 : 1) + (modelSize == null ? 0 : 1) != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Give either --model, --model-size or --url");
        }
        if (sweep != null) {
            return sweep(out);
        }
        if (modelSize != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model-size is for --sweep");
        }
        if (requests < 1 || clients < 1 || maxTokens < 1 || warmup < 0 || timeLimit < 1 || settle < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--requests, --clients, --max-tokens and --time-limit must be >= 1; --warmup, --settle >= 0");
        }
        if (model != null) {
            String name = Paths.get(model).toAbsolutePath().normalize().getFileName().toString();
            dev.jgpt.examples.serve.CompletionService.Scheduling scheduling = scheduler.scheduling(spec.commandLine());
            try (ServeCommand.Served served = ServeCommand.Served.open(model, null, null, name, "127.0.0.1", 0,
                    scheduling, maxQueue, dev.jgpt.examples.serve.HttpLimits.DEFAULTS)) {
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

    /** One point of a sweep. */
    private record Point(CompletionService.Scheduler scheduler, int clients, ServeLoad.Report report) {}

    /** Streaming clients at each count of {@code --sweep}, under each scheduler, in this JVM. */
    private int sweep(PrintWriter out) throws IOException, InterruptedException {
        CommandLine cmd = spec.commandLine();
        if (url != null) {
            throw new CommandLine.ParameterException(cmd, "--sweep starts its own servers: give --model or --model-size");
        }
        if (java.util.Arrays.stream(sweep).anyMatch(c -> c < 1) || rounds < 1 || maxTokens < 1) {
            throw new CommandLine.ParameterException(cmd, "--sweep client counts, --rounds and --max-tokens must be >= 1");
        }
        java.util.List<CompletionService.Scheduling> runs = new java.util.ArrayList<>();
        for (String name : schedulers) {
            runs.add(scheduler.schedulingFor(cmd, SchedulerOptions.parse(cmd, name)));
        }
        int most = java.util.Arrays.stream(sweep).max().orElseThrow();
        LanguageModel lm = modelSize != null
                ? LanguageModel.create(dev.jgpt.model.checkpoint.ModelFamilies.preset(modelSize),
                        ai.djl.engine.Engine.getInstance().defaultDevice(), 1)
                : ModelSource.load(model, null);
        String name = modelSize != null ? modelSize + " (random weights)"
                : Paths.get(model).toAbsolutePath().normalize().getFileName().toString();
        java.util.List<Point> points = new java.util.ArrayList<>();
        try (lm; Tokenizer tokenizer = modelSize != null
                ? dev.jgpt.model.tokenizer.Tokenizers.forModel(dev.jgpt.model.hub.ModelReferences.tokenizerFolder(
                        tokenizerSpec, dev.jgpt.model.checkpoint.ModelFamilies.of(lm.config()), ModelSource.hub())
                        .orElse(null))
                : ModelSource.tokenizer(model)) {
            lm.block().freezeParameters(true);
            out.printf(Locale.ROOT, "model %s: %s; %d new tokens per request, %d requests per client; CPU: %s%n", name,
                    lm.config(), maxTokens, rounds, cpuModel());
            out.flush();
            for (CompletionService.Scheduling scheduling : runs) {
                // every client gets a slot or a queue place: the run measures speed, not turning away
                try (CompletionService service = scheduling.open(lm, tokenizer);
                        OpenAiServer server = new OpenAiServer(service, ChatFormat.of(PromptFormat.ALPACA),
                                OpenAiServer.OPENAI_DEFAULTS, "bench", "127.0.0.1", 0, scheduling.concurrency(),
                                Math.max(0, most - scheduling.concurrency()))) {
                    URI base = URI.create("http://127.0.0.1:" + server.port());
                    Duration limit = Duration.ofSeconds(timeLimit);
                    new ServeLoad(new ServeLoad.Settings(base, "bench", 2, 2, 4, limit, retries),
                            ServeLoad.Kind.STREAM).run(); // warm-up
                    ServeLoad.awaitIdle(base);
                    for (int clients : sweep) {
                        ServeLoad.Report r = new ServeLoad(new ServeLoad.Settings(base, "bench", clients * rounds,
                                clients, maxTokens, limit, retries), ServeLoad.Kind.STREAM).run();
                        ServeLoad.awaitIdle(base);
                        points.add(new Point(scheduling.scheduler(), clients, r));
                        out.printf(Locale.ROOT, "%s, %2d clients: %7.1f tokens/s, latency p50 %6.0f p99 %6.0f ms,"
                                + " first token p50 %6.0f p99 %6.0f ms (%d tokens, %s)%n", scheduling, clients,
                                r.tokensPerSecond(), ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.5),
                                ServeLoad.Report.quantileMillis(r.latencyNanos(), 0.99),
                                ServeLoad.Report.quantileMillis(r.firstTokenNanos(), 0.5),
                                ServeLoad.Report.quantileMillis(r.firstTokenNanos(), 0.99), r.completionTokens(),
                                r.clean() ? "clean" : "NOT clean: " + r.problems());
                        out.flush();
                    }
                }
            }
        }
        boolean clean = points.stream().allMatch(p -> p.report().clean() && p.report().turnedAway() == 0);
        for (int clients : sweep) {
            double batch = tokensPerSecond(points, CompletionService.Scheduler.BATCH, clients);
            double perSlot = tokensPerSecond(points, CompletionService.Scheduler.PER_SLOT, clients);
            if (batch > 0 && perSlot > 0) {
                out.printf(Locale.ROOT, "%2d clients: batch / per-slot = %.2fx%n", clients, batch / perSlot);
            }
        }
        out.println("result: " + (clean ? "PASS (every stream whole)" : "FAIL"));
        out.flush();
        return clean ? 0 : 1;
    }

    private static double tokensPerSecond(java.util.List<Point> points, CompletionService.Scheduler s, int clients) {
        return points.stream().filter(p -> p.scheduler() == s && p.clients() == clients)
                .mapToDouble(p -> p.report().tokensPerSecond()).findFirst().orElse(0);
    }

    /** The CPU's model name from {@code /proc/cpuinfo} and the cores Java sees (absolute speeds are per CPU). */
    static String cpuModel() {
        String cores = Runtime.getRuntime().availableProcessors() + " cores";
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(Paths.get("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip() + ", " + cores).orElse(cores);
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch") + ", " + cores;
        }
    }

    private static long rss(String pid) {
        return pid == null ? -1 : ProcessMemory.rssKb(pid, "VmRSS:");
    }
}
