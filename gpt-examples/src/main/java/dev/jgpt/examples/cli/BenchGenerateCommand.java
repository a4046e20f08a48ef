package dev.jgpt.examples.cli;

import ai.djl.engine.Engine;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.gpt2.GptConfig;
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
 * initialised model (weights do not change the speed). Prints tokens/s, time to first token and
 * the process's peak RSS.
 */
@Command(name = "bench-generate", mixinStandardHelpOptions = true,
        description = "Measure greedy decode speed with and without the KV cache.")
final class BenchGenerateCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @Option(names = "--model-size", defaultValue = "124M",
            description = "Preset to build with random weights, in GPT-2's own layout (qkv bias,"
                    + " tied head) (default: ${DEFAULT-VALUE}).")
    String modelSize;

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
        GptConfig cfg = GptConfig.preset(modelSize).withQkvBias(true).withTiedEmbeddings(true)
                .withDropRate(0f);
        if (promptTokens < 1 || newTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt-tokens and --new-tokens must be >= 1");
        }
        long[] prompt = new long[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = (6109 + 977L * i) % cfg.vocabSize();
        }
        out.printf(Locale.ROOT, "model: %s, %,d parameters, fp32, batch 1, prompt %d tokens, %d new"
                + " greedy tokens, engine %s, %s%n", modelSize, cfg.parameterCount(), promptTokens,
                newTokens, Engine.getInstance().getEngineName(), device.device());
        try (LanguageModel lm = LanguageModel.create(cfg, device.device(), 1)) {
            out.printf(Locale.ROOT, "RSS after building the model: %.0f MB (peak %.0f MB)%n",
                    rssKb("VmRSS:") / 1024.0, rssKb("VmHWM:") / 1024.0);
            new Generator(lm, true).greedy(prompt, warmupTokens);
            run(out, "kv cache", new Generator(lm, true), prompt);
            if (!skipNoCache) {
                new Generator(lm, false).greedy(prompt, warmupTokens);
                run(out, "no cache", new Generator(lm, false), prompt);
            }
        }
        out.printf(Locale.ROOT, "peak RSS: %.0f MB%n", rssKb("VmHWM:") / 1024.0);
        return 0;
    }

    private void run(PrintWriter out, String label, Generator generator, long[] prompt) {
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
        out.printf(Locale.ROOT, "%-8s: %d tokens in %.2f s = %.1f tokens/s overall, %.1f tokens/s"
                        + " after the first; time to first token %.0f ms%n",
                label, ids.length, total, ids.length / total, (ids.length - 1) / decode, ttft);
        out.flush();
    }

    /** A field of /proc/self/status (VmRSS, VmHWM = peak), in kB; -1 where there is no /proc. */
    static long rssKb(String field) {
        return rssKb("self", field);
    }

    /** A field of /proc/PID/status in kB, for another process ({@code pid} "self" for this one). */
    static long rssKb(String pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
