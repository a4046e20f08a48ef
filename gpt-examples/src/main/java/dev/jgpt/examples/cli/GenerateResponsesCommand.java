package dev.jgpt.examples.cli;

import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.training.InstructionFormat;
import dev.jgpt.training.InstructionResponses;
import dev.jgpt.training.TextOverlap;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt generate-responses}: answer the instruction test split with a model. */
@Command(name = "generate-responses", mixinStandardHelpOptions = true, defaultValueProvider = BookDefaults.Instruct.class,
        description = "Answer the test split of the instruction data and write the entries with model_response.")
final class GenerateResponsesCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DataOption data;

    @CommandLine.Mixin DtypeOption dtype;

    @CommandLine.Mixin InstructionFormatOptions formatOptions;

    @Option(names = "--model", required = true, description = "A model folder (jgpt or HuggingFace, any family) or a Hub repository.")
    String model;

    @Option(names = "--out", required = true, description = "The JSON file to write.")
    Path out;

    @Option(names = "--limit", defaultValue = "0", description = "Only the first N test entries; 0: all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (limit < 0 || maxNewTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0 and --max-new-tokens >= 1");
        }
        List<InstructionExample> test = data.instructionSplits().test();
        if (limit > 0) {
            test = test.subList(0, Math.min(limit, test.size()));
        }
        InstructionFormat format;
        try {
            format = formatOptions.resolve(ModelSource.path(model), false);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (LanguageModel lm = dtype.convert(ModelSource.load(model, device.device())); Tokenizer tokenizer = ModelSource.tokenizer(model)) {
            List<InstructionResponses.Response> responses = InstructionResponses.generate(lm, tokenizer, format, test,
                    maxNewTokens, (i, n, r) -> {
                        err.printf("\r%d/%d ", i + 1, n);
                        err.flush();
                    });
            err.print("\r");
            InstructionResponses.write(responses, out);
            TextOverlap.Summary s = TextOverlap.summarize(responses);
            o.printf(Locale.ROOT, "wrote %d responses to %s; exact match %.1f%%, token F1 %.3f%n", responses.size(),
                    out, 100 * s.exactMatch(), s.tokenF1());
        }
        return 0;
    }
}
