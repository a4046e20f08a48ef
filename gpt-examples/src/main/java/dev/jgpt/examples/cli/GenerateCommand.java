package dev.jgpt.examples.cli;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt generate}: continue a prompt given as token ids. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a loaded model.")
final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "A HuggingFace GPT-2 folder or a jgpt checkpoint folder.")
    String model;

    @Option(names = "--prompt-ids", required = true, split = ",",
            description = "The prompt as comma-separated token ids, e.g. 15496,11,314.")
    long[] promptIds;

    @Option(names = "--max-new-tokens", defaultValue = "20",
            description = "How many tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy",
            description = "Pick the most likely token at each step (the only mode so far).")
    boolean greedy;

    @Option(names = "--print-ids",
            description = "End the output with one line holding only the new token ids.")
    boolean printIds;

    @Override
    public Integer call() {
        if (maxNewTokens < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (LanguageModel lm = ModelSource.load(model)) {
            long start = System.nanoTime();
            long[] ids = new Generator(lm).greedy(promptIds, maxNewTokens);
            double seconds = (System.nanoTime() - start) / 1e9;
            String joined = Arrays.stream(ids).mapToObj(Long::toString)
                    .collect(Collectors.joining(","));
            spec.commandLine().getErr().printf("generated %d tokens in %.2f s with %s%n",
                    ids.length, seconds, lm.config());
            if (printIds) {
                out.println(joined);
            } else {
                out.println("new token ids: " + joined);
            }
        }
        return 0;
    }
}
