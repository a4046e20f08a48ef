package dev.jgpt.examples.cli;

import dev.jgpt.model.gpt2.GptConfig;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt info}: a model's configuration, parameter count and fp32 size. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a model's configuration, parameter count and fp32 size.")
final class InfoCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "A preset (tiny, 124M, 355M, 774M, 1558M) or a model folder.")
    String model;

    @Override
    public Integer call() {
        GptConfig cfg = ModelSource.config(model);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("model:           %s%n", model);
        out.printf("vocabulary:      %,d%n", cfg.vocabSize());
        out.printf("context length:  %,d%n", cfg.contextLength());
        out.printf("embedding size:  %,d%n", cfg.embedDim());
        out.printf("heads:           %d (head size %d)%n", cfg.numHeads(), cfg.headDim());
        out.printf("layers:          %d%n", cfg.numLayers());
        out.printf("dropout:         %.2f%n", cfg.dropRate());
        out.printf("qkv bias:        %b%n", cfg.qkvBias());
        out.printf("output head:     %s%n", cfg.tieEmbeddings() ? "tied to wte" : "own weights");
        out.printf(Locale.ROOT, "layer-norm eps:  %.0e%n", cfg.layerNormEps());
        out.printf(Locale.ROOT, "parameters:      %,d%n", cfg.parameterCount());
        if (!cfg.tieEmbeddings()) {
            out.printf(Locale.ROOT, "  tied head:     %,d (without the output head's own matrix)%n",
                    cfg.withTiedEmbeddings(true).parameterCount());
        }
        out.printf(Locale.ROOT, "fp32 size:       %.2f MB%n", cfg.fp32Bytes() / (1024.0 * 1024.0));
        return 0;
    }
}
