package dev.jgpt.examples.cli;

import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jgpt detokenize}: GPT-2 token ids to text. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = "Print the text of comma-separated GPT-2 token ids.")
final class DetokenizeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1", split = ",", description = "Token ids, e.g. 15496,11")
    long[] ids;

    @Override
    public Integer call() {
        try (Tokenizer tokenizer = Gpt2Tokenizer.builtIn()) {
            spec.commandLine().getOut().println(tokenizer.decode(ids));
        }
        return 0;
    }
}
