package dev.jgpt.examples.cli;

import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgpt tokenize}: text to token ids, GPT-2's or a model folder's tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text (GPT-2's, or --model's tokenizer), comma-separated, as the last line.")
final class TokenizeCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Option(names = "--model",
            description = "A model folder whose tokenizer to use (its tokenizer.json); default: GPT-2's built-in one.")
    String model;

    @Parameters(arity = "0..1", description = "The text (or use --file).")
    String text;

    @Option(names = "--file", description = "Read the text from this UTF-8 file.")
    Path file;

    @Override
    public Integer call() throws IOException {
        if ((text == null) == (file == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Give either a text or --file, not both or neither");
        }
        String input;
        try {
            input = text != null ? text : Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("File not found: " + file, e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(file + " is not valid UTF-8", e);
        }
        try (Tokenizer tokenizer = ModelSource.tokenizer(model)) {
            long[] ids = tokenizer.encode(input);
            spec.commandLine().getErr().printf("%d tokens%n", ids.length);
            spec.commandLine().getOut().println(
                    Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",")));
        }
        return 0;
    }
}
