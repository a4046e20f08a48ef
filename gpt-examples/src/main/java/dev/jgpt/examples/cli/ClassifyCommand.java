package dev.jgpt.examples.cli;

import dev.jgpt.model.TextClassifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgpt classify}: label texts with a fine-tuned classifier. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify texts with a classifier made by 'jgpt finetune-classifier'.")
final class ClassifyCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @Option(names = "--model", required = true, description = "The classifier folder (RUN/classifier).")
    Path model;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "One or more texts to classify.")
    List<String> texts;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (TextClassifier c = TextClassifier.load(model, device.device())) {
            for (String text : texts) {
                TextClassifier.Prediction p = c.classify(text);
                out.printf(Locale.ROOT, "%s\t%.4f\t%s%n", p.label(), p.probability(), text.replace('\n', ' '));
            }
        }
        return 0;
    }
}
