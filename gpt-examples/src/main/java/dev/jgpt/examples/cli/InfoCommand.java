package dev.jgpt.examples.cli;

import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.ModelConfig;
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
            description = "A preset (tiny, mini, 124M, 355M, 774M, 1558M, qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b, llama3.2-1b, llama3.2-3b) or a model folder.")
    String model;

    @Override
    public Integer call() {
        ModelConfig cfg = ModelSource.config(model);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("model:           %s (%s)%n", model, cfg.modelType());
        out.printf("vocabulary:      %,d%n", cfg.vocabSize());
        out.printf("context length:  %,d%n", cfg.contextLength());
        out.printf("embedding size:  %,d%n", cfg.hiddenSize());
        String kv = cfg.numKvHeads() == cfg.numHeads() ? "" : ", " + cfg.numKvHeads() + " key/value heads";
        out.printf("heads:           %d (head size %d%s)%n", cfg.numHeads(), cfg.headDim(), kv);
        out.printf("layers:          %d%n", cfg.numLayers());
        GptConfig gpt2 = cfg instanceof GptConfig g ? g : null;
        if (gpt2 != null) {
            out.printf("dropout:         %.2f%n", gpt2.dropRate());
            out.printf("qkv bias:        %b%n", gpt2.qkvBias());
        }
        out.printf("output head:     %s%n", cfg.tieEmbeddings() ? (gpt2 != null ? "tied to wte" : "tied to the token embedding") : "own weights");
        if (gpt2 != null) {
            out.printf(Locale.ROOT, "layer-norm eps:  %.0e%n", gpt2.layerNormEps());
        }
        out.printf(Locale.ROOT, "parameters:      %,d%n", cfg.parameterCount());
        if (gpt2 != null && !cfg.tieEmbeddings()) {
            out.printf(Locale.ROOT, "  tied head:     %,d (without the output head's own matrix)%n",
                    gpt2.withTiedEmbeddings(true).parameterCount());
        } else if (gpt2 == null && cfg.tieEmbeddings()) {
            out.printf(Locale.ROOT, "  head apart:    %,d (the tied head counted as its own matrix, as the book prints)%n",
                    cfg.parameterCount() + (long) cfg.vocabSize() * cfg.hiddenSize());
        }
        out.printf(Locale.ROOT, "fp32 size:       %.2f MB%n", cfg.parameterCount() * 4.0 / (1024.0 * 1024.0));
        return 0;
    }
}
