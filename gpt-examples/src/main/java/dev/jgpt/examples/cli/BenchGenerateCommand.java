package dev.jgpt.examples.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.Embedding;
import dev.jgpt.model.nn.ModelConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code jgpt bench-generate}: decode speed with and without the key/value cache, on a randomly
 * initialised model of any family's preset (weights do not change the speed). Prints tokens/s,
 * time to first token and the process's peak RSS, and the decode speed as a share of what the
 * machine's memory bandwidth allows.
 *
 * <p>The bound: a batch-1 decode step reads every weight the step uses once, so it cannot run
 * faster than {@code bound tokens/s = read bandwidth / bytes read per token}, where
 * {@code bytes read per token = (all parameters - every embedding table + one row of each
 * embedding table + the token embedding again when the head is tied to it) x bytes per element}:
 * an embedding lookup reads one row of its table, the output head reads its whole {@code (V, C)}
 * matrix (the token embedding itself when tied, so a tied table counts once, in full). The key /
 * value cache the attention reads (2 x layers x kv heads x head dim x cached positions elements)
 * and the activations are left out: for the presets at a few hundred positions they are about 1%
 * of the weights. The bandwidth is the best of an fp32 sum through the engine and a parallel
 * sum in plain Java, each over an array several times the last-level cache
 * ({@link MemoryBandwidth}).
 */
@Command(name = "bench-generate", mixinStandardHelpOptions = true,
        description = "Measure greedy decode speed with and without the KV cache.")
final class BenchGenerateCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DtypeOption dtype;

    @Option(names = "--model-size", defaultValue = "124M",
            description = "Preset of any family to build with random weights (124M ... 1558M, qwen3-0.6b,"
                    + " llama3.2-1b, ...; GPT-2 sizes in OpenAI's layout: qkv bias, tied head), or a model"
                    + " folder whose config.json gives the shape (default: ${DEFAULT-VALUE}).")
    String modelSize;

    @Option(names = "--bandwidth-mib", defaultValue = "1024",
            description = "Size of the array summed to measure memory read bandwidth, in MiB; several"
                    + " times the last-level cache (default: ${DEFAULT-VALUE}).")
    int bandwidthMib;

    @Option(names = "--prompt-tokens", defaultValue = "4", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "200", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--warmup-tokens", defaultValue = "10", description = "Tokens generated first and not measured (default: ${DEFAULT-VALUE}).")
    int warmupTokens;

    @Option(names = "--skip-no-cache", description = "Measure only the cached path.")
    boolean skipNoCache;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (promptTokens < 1 || newTokens < 1 || warmupTokens < 0 || bandwidthMib < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt-tokens and --new-tokens must be >= 1, --warmup-tokens >= 0, --bandwidth-mib >= 1");
        }
        ModelConfig cfg = benchConfig(ModelSource.isFolder(modelSize) ? ModelSource.config(modelSize)
                : dev.jgpt.model.checkpoint.ModelFamilies.preset(modelSize));
        long[] prompt = new long[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = (6109 + 977L * i) % cfg.vocabSize();
        }
        double bandwidth = measureBandwidth(out);
        double matVec = measureMatVec(out, bandwidth, cfg.hiddenSize());
        try (LanguageModel lm = dtype.convert(LanguageModel.create(cfg, device.device(), 1))) {
            out.printf(Locale.ROOT, "model: %s (%s), %,d parameters, %s, batch 1, prompt %d tokens, %d new"
                    + " greedy tokens, engine %s, %s%n", modelSize, cfg.modelType(), cfg.parameterCount(),
                    lm.dataType().name().toLowerCase(Locale.ROOT), promptTokens, newTokens,
                    Engine.getInstance().getEngineName(), device.device());
            out.printf(Locale.ROOT, "RSS after building the model: %.0f MB (peak %.0f MB)%n",
                    ProcessMemory.rssKb("VmRSS:") / 1024.0, ProcessMemory.rssKb("VmHWM:") / 1024.0);
            long perToken = bytesReadPerToken(lm);
            double bound = bandwidth / perToken;
            out.printf(Locale.ROOT, "bytes read per token: %,d (%.3f GB) = (parameters - embedding tables"
                    + " + one row per table + the tied head's full table) x %d B%n", perToken, perToken / 1e9,
                    lm.dataType().getNumOfBytes());
            out.printf(Locale.ROOT, "bandwidth bound: %.2f GB/s / %.3f GB per token = %.1f tokens/s%n",
                    bandwidth / 1e9, perToken / 1e9, bound);
            double kernelBound = matVec / perToken;
            out.printf(Locale.ROOT, "kernel bound: %.2f GB/s / %.3f GB per token = %.1f tokens/s (the engine's"
                    + " matrix-vector product streaming every weight)%n", matVec / 1e9, perToken / 1e9, kernelBound);
            new Generator(lm, true).greedy(prompt, warmupTokens);
            run(out, "kv cache", new Generator(lm, true), prompt, bound, kernelBound);
            if (!skipNoCache) {
                new Generator(lm, false).greedy(prompt, warmupTokens);
                run(out, "no cache", new Generator(lm, false), prompt, bound, kernelBound);
            }
        }
        out.printf(Locale.ROOT, "peak RSS: %.0f MB%n", ProcessMemory.rssKb("VmHWM:") / 1024.0);
        return 0;
    }

    /**
     * The preset as benchmarked: GPT-2 in OpenAI's layout (qkv bias, tied head, no dropout); a
     * rotary decoder as published (its full context: the KV cache grows only to the positions
     * the run uses).
     */
    static ModelConfig benchConfig(ModelConfig preset) {
        if (preset instanceof GptConfig gpt) {
            return gpt.withQkvBias(true).withTiedEmbeddings(true).withDropRate(0f);
        }
        return preset;
    }

    /** The engine's matrix-vector streaming rate, in bytes/s, printed beside the read bandwidth. */
    private double measureMatVec(PrintWriter out, double bandwidth, int hidden) {
        MemoryBandwidth.Reading r;
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(device.device())) {
            r = MemoryBandwidth.engineMatVec(manager, device.device(), (long) bandwidthMib << 20, hidden, 5);
        }
        out.printf(Locale.ROOT, "matrix-vector product (best of 5): %.2f GB/s %s, %.0f%% of the read bandwidth%n",
                r.gbPerSecond(), r.what(), 100 * r.bytesPerSecond() / bandwidth);
        out.flush();
        return r.bytesPerSecond();
    }

    /** Best of the engine's and plain Java's read bandwidth, in bytes/s; prints both. */
    private double measureBandwidth(PrintWriter out) {
        long bytes = (long) bandwidthMib << 20;
        MemoryBandwidth.Reading engine;
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(device.device())) {
            engine = MemoryBandwidth.engine(manager, device.device(), bytes, 5);
        }
        MemoryBandwidth.Reading java = MemoryBandwidth.java(bytes, Runtime.getRuntime().availableProcessors(), 5);
        MemoryBandwidth.Reading best = engine.bytesPerSecond() >= java.bytesPerSecond() ? engine : java;
        out.printf(Locale.ROOT, "memory read bandwidth (best of 5): %.2f GB/s %s; %.2f GB/s %s; bound uses"
                + " %.2f GB/s%n", engine.gbPerSecond(), engine.what(), java.gbPerSecond(), java.what(),
                best.gbPerSecond());
        out.flush();
        return best.bytesPerSecond();
    }

    /**
     * What one batch-1 decode step reads of the weights, in bytes: every parameter, except that
     * an embedding table is read one row per token, unless it is the tied output head's matrix,
     * which the head reads in full.
     */
    static long bytesReadPerToken(LanguageModel lm) {
        long bytes = 0;
        for (Parameter p : lm.block().getParameters().values()) {
            NDArray a = p.getArray();
            bytes += a.size() * a.getDataType().getNumOfBytes();
        }
        java.util.List<Embedding> tables = new java.util.ArrayList<>();
        collectEmbeddings(lm.block(), tables);
        boolean tied = lm.config().tieEmbeddings();
        boolean headCounted = false;
        for (Embedding e : tables) {
            NDArray w = e.weight().getArray();
            long rows = w.getShape().get(0);
            long rowBytes = w.size() / rows * w.getDataType().getNumOfBytes();
            boolean isHead = tied && !headCounted && rows == lm.config().vocabSize();
            if (isHead) {
                headCounted = true; // the head reads it all; the lookup's row is part of that
            } else {
                bytes -= (rows - 1) * rowBytes;
            }
        }
        return bytes;
    }

    private static void collectEmbeddings(Block block, java.util.List<Embedding> into) {
        if (block instanceof Embedding e) {
            into.add(e);
        }
        for (Block child : block.getChildren().values()) {
            collectEmbeddings(child, into);
        }
    }

    private void run(PrintWriter out, String label, Generator generator, long[] prompt, double bound,
            double kernelBound) {
        long[] first = {0};
        long start = System.nanoTime();
        long[] ids = generator.generate(prompt, SamplingConfig.greedy(newTokens), id -> {
            if (first[0] == 0) {
                first[0] = System.nanoTime();
            }
            return true;
        });
        long end = System.nanoTime();
        double total = (end - start) / 1e9;
        double ttft = (first[0] - start) / 1e6;
        double decode = (end - first[0]) / 1e9;
        double decodeRate = ids.length > 1 ? (ids.length - 1) / decode : Double.NaN;
        out.printf(Locale.ROOT, "%-8s: %d tokens in %.2f s = %.1f tokens/s overall, %.1f tokens/s"
                        + " after the first (%.0f%% of the bandwidth bound, %.0f%% of the kernel bound); time to"
                        + " first token %.0f ms%n",
                label, ids.length, total, ids.length / total, decodeRate, 100 * decodeRate / bound,
                100 * decodeRate / kernelBound, ttft);
        out.flush();
    }
}
