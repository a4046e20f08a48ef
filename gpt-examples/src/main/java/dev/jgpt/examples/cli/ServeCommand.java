package dev.jgpt.examples.cli;

import dev.jgpt.examples.serve.AccessLog;
import dev.jgpt.examples.serve.CompletionService;
import dev.jgpt.examples.serve.HttpLimits;
import dev.jgpt.examples.serve.OpenAiServer;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt serve}: an OpenAI-compatible HTTP server for a model folder. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over OpenAI's API (GET /health, GET /metrics, GET /v1/models, POST"
                + " /v1/completions and /v1/chat/completions, stream: true as server-sent events) with a chat page at"
                + " GET /. Ctrl-C or SIGTERM stops it gracefully.")
final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DtypeOption dtype;

    @Option(names = "--model", required = true, description = "A model folder (jgpt or HuggingFace GPT-2).")
    String model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "(default: ${DEFAULT-VALUE}; 0 picks a free port)")
    int port;

    @CommandLine.Mixin SchedulerOptions scheduler;

    @Option(names = "--max-queue", defaultValue = "8", description = "Requests that may wait for a slot (up to "
            + OpenAiServer.QUEUE_WAIT_SECONDS + " s, then 503); beyond that 429 at once (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--model-name", description = "The id clients use in 'model' (default: the folder's name).")
    String modelName;

    @Option(names = "--read-timeout", defaultValue = "10", description = "Seconds a connection may stay silent, and"
            + " the most a request body may take (then 408 or closed) (default: ${DEFAULT-VALUE}).")
    int readTimeout;

    @Option(names = "--max-connections", defaultValue = "256", description = "Open connections at most; more wait"
            + " until one closes (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--shutdown-timeout", defaultValue = "30", description = "On Ctrl-C or SIGTERM, seconds that"
            + " requests in progress may take to finish before they are ended (default: ${DEFAULT-VALUE}).")
    int shutdownTimeout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (maxQueue < 0 || port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-queue must be >= 0 and --port in 0..65535");
        }
        if (readTimeout < 1 || maxConnections < 1 || shutdownTimeout < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--read-timeout and --max-connections must be >= 1 and --shutdown-timeout >= 0");
        }
        CompletionService.Scheduling scheduling = scheduler.scheduling(spec.commandLine());
        String name = modelName != null ? modelName : dev.jgpt.model.hub.ModelReferences.displayName(model);
        HttpLimits limits = new HttpLimits(Duration.ofSeconds(readTimeout), maxConnections);
        Served served = Served.open(model, device.device(), dtype, name, host, port, scheduling, maxQueue, limits);
        GracefulStop stop = new GracefulStop(served, Duration.ofSeconds(shutdownTimeout), out);
        out.printf("serving %s (%s) on http://%s:%d with the %s, %d queue place(s); chat page at /; Ctrl-C stops%n", name,
                served.lm().config(), host, served.server().port(), scheduling, maxQueue);
        CompletionService service = served.service();
        boolean batch = service.scheduler() == CompletionService.Scheduler.BATCH;
        out.printf(java.util.Locale.ROOT, "key/value cache: at most %.1f MB (%d %s of %d positions; --max-batch"
                + " or --max-concurrency and --max-length bound it)%n",
                service.cacheBytesBound() / 1e6 * (batch ? 1 : scheduling.concurrency()), scheduling.concurrency(),
                batch ? "batch rows" : "slots", service.contextLength());
        out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::run, "jgpt-serve-stop"));
        stop.awaitStopped();
        return 0;
    }

    /**
     * What Ctrl-C and SIGTERM do: the JVM runs this as a shutdown hook, which stops the server
     * gracefully (requests in progress get up to the timeout), closes the model and ends the
     * process with status 0, since the stop was asked for (the JVM would report 130 or 143).
     */
    static final class GracefulStop {
        private final Served served;
        private final Duration timeout;
        private final PrintWriter out;
        private final CountDownLatch stopped = new CountDownLatch(1);

        GracefulStop(Served served, Duration timeout, PrintWriter out) {
            this.served = served;
            this.timeout = timeout;
            this.out = out;
        }

        /** Blocks the command until the stop has run. */
        void awaitStopped() throws InterruptedException {
            stopped.await();
        }

        void run() {
            try {
                out.printf("stopping: no new connections; up to %d s for the requests in progress%n",
                        timeout.toSeconds());
                out.flush();
                boolean finished = served.server().shutdown(timeout);
                out.println(finished ? "stopped: every request finished"
                        : "stopped: requests still running at the deadline were ended");
                out.flush();
                served.close();
            } finally {
                stopped.countDown();
                System.out.flush();
                System.err.flush();
                // exiting from a hook any other way would block; the stop itself succeeded
                Runtime.getRuntime().halt(0);
            }
        }
    }

    /** A model, its tokenizer and the server over them, closed together. */
    record Served(LanguageModel lm, Tokenizer tokenizer, CompletionService service, OpenAiServer server)
            implements AutoCloseable {

        /** Loads {@code model} (in {@code dtype} if given) and serves it under {@code scheduling} within {@code limits}. */
        static Served open(String model, ai.djl.Device device, DtypeOption dtype, String name, String host, int port,
                CompletionService.Scheduling scheduling, int maxQueue, HttpLimits limits) throws java.io.IOException {
            LanguageModel loaded = ModelSource.load(model, device);
            LanguageModel lm = dtype == null ? loaded : dtype.convert(loaded); // closes what it replaces or fails on
            Tokenizer tokenizer;
            try {
                tokenizer = ModelSource.tokenizer(model);
            } catch (RuntimeException e) {
                lm.close();
                throw e;
            }
            return serve(lm, tokenizer, ModelSource.path(model), name, host, port, scheduling, maxQueue, limits);
        }

        /**
         * Serves {@code lm} with {@code tokenizer} (both closed with the result, or on failure),
         * prompting and sampling as the model {@code folder} says (or as OpenAI does without one).
         */
        static Served serve(LanguageModel lm, Tokenizer tokenizer, java.nio.file.Path folder, String name,
                String host, int port, CompletionService.Scheduling scheduling, int maxQueue, HttpLimits limits)
                throws java.io.IOException {
            CompletionService service = null;
            try {
                // inference only: weights that need no gradient record no graph on any thread
                lm.block().freezeParameters(true);
                dev.jgpt.model.generate.GenerationConfig recommended = folder == null
                        ? dev.jgpt.model.generate.GenerationConfig.NONE : dev.jgpt.model.generate.GenerationConfig.read(folder);
                dev.jgpt.model.generate.ChatFormat format = folder == null
                        ? dev.jgpt.model.generate.ChatFormat.of(dev.jgpt.model.tokenizer.PromptFormat.ALPACA)
                        : dev.jgpt.model.generate.ChatFormat.forModel(folder);
                service = scheduling.open(lm, tokenizer);
                OpenAiServer server = new OpenAiServer(service, format,
                        recommended.setsSampling() ? recommended : OpenAiServer.OPENAI_DEFAULTS, name, host, port,
                        scheduling.concurrency(), maxQueue, limits, AccessLog.slf4j());
                return new Served(lm, tokenizer, service, server);
            } catch (java.io.IOException | RuntimeException e) {
                if (service != null) {
                    service.close();
                }
                tokenizer.close();
                lm.close();
                throw e;
            }
        }

        @Override
        public void close() {
            server.close();
            service.close();
            tokenizer.close();
            lm.close();
        }
    }
}
