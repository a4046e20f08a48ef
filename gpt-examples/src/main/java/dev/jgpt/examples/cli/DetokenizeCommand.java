package dev.jgpt.examples.cli;

import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jgpt detokenize}: token ids to text, GPT-2's or a model folder's tokenizer. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = "Print the text of comma-separated token ids (GPT-2's, or --model's tokenizer).")
final class DetokenizeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Option(names = "--model",
            description = "A model folder whose tokenizer to use (its tokenizer.json); default: GPT-2's built-in one.")
    String model;

    @Parameters(arity = "1", split = ",", description = "Token ids, e.g. 15496,11")
    long[] ids;

    @Override
    public Integer call() {
        try (Tokenizer tokenizer = ModelSource.tokenizer(model)) {
            spec.commandLine().getOut().println(tokenizer.decode(ids));
            long unknown = java.util.Arrays.stream(ids).filter(id -> id >= tokenizer.vocabSize()).count();
            if (unknown > 0) {
                spec.commandLine().getErr().printf(java.util.Locale.ROOT, "note: %d id(s) past the tokenizer's %,d"
                        + " tokens (the model's padded vocabulary) have no text%n", unknown, tokenizer.vocabSize());
            }
        }
        return 0;
    }
}
