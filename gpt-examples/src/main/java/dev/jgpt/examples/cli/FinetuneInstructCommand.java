package dev.jgpt.examples.cli;

import ai.djl.engine.Engine;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.training.Evaluation;
import dev.jgpt.training.InstructionFineTuner;
import dev.jgpt.training.InstructionFormat;
import dev.jgpt.training.InstructionResponses;
import dev.jgpt.training.PretrainConfig;
import dev.jgpt.training.Pretrainer;
import dev.jgpt.training.TextOverlap;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt finetune-instruct}: the book's chapter 7 instruction fine-tuning. */
@Command(name = "finetune-instruct", mixinStandardHelpOptions = true,
        defaultValueProvider = BookDefaults.Instruct.class,
        description = "Fine-tune a model to follow instructions (in its chat template, or the book's Alpaca format),"
                + " then answer the test split.")
final class FinetuneInstructCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DataOption data;

    @CommandLine.Mixin TrainingOptions training;

    @CommandLine.Mixin ScheduleOptions schedule;

    @CommandLine.Mixin FreshModelOptions fresh;

    @CommandLine.Mixin LoraOptions loraOptions;

    @CommandLine.Mixin InstructionFormatOptions formatOptions;

    @Option(names = "--model", description = "Start from this model: a folder (HuggingFace or jgpt checkpoint) or a Hub"
            + " repository (owner/name, e.g. gpt2-medium).")
    String modelRef;

    /** The folder {@code --model} names, a Hub repository downloaded first; null when not given. */
    private Path model;

    @Option(names = "--mask-prompt", description = "Also ignore the prompt's targets, so only responses are learned.")
    boolean maskPrompt;

    @Option(names = "--context-length", defaultValue = "0", description = "Cut batches to this many tokens; 0: the model's context (default: ${DEFAULT-VALUE}).")
    int contextLength;

    @Option(names = "--sample-tokens", description = "Tokens of the sample response after each epoch (default: ${DEFAULT-VALUE}).")
    int sampleTokens;

    @Option(names = "--response-tokens", defaultValue = "256", description = "Most tokens per test response (default: ${DEFAULT-VALUE}).")
    int responseTokens;

    @Option(names = "--test-limit", defaultValue = "0", description = "Answer only the first N test entries; 0: all; -1: none (default: ${DEFAULT-VALUE}).")
    int testLimit;

    @Override
    public Integer call() throws Exception {
        model = modelRef == null ? null : ModelSource.path(modelRef);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Splits<InstructionExample> splits = data.instructionSplits();
        Optional<Path> checkpoint = training.checkpoint();
        LoraConfig lora;
        PretrainConfig cfg;
        try (Tokenizer tokenizer = fresh.startingTokenizer(model, checkpoint);
                LanguageModel lm = fresh.startingModel(model, checkpoint, device.device(), training.seed, 0)) {
            int length = contextLength > 0 ? Math.min(contextLength, lm.config().contextLength())
                    : lm.config().contextLength();
            InstructionFormat format;
            try {
                lora = loraOptions.config();
                format = formatOptions.resolve(fresh.startingFolder(model, checkpoint), maskPrompt);
                if (lora != null) {
                    Lora.targets(lm.block(), lora); // an unknown --lora-targets name fails here, before training
                }
                cfg = schedule.applyTo(training.applyTo(PretrainConfig.builder())).contextLength(length)
                        .sample(format.prompt(splits.validation().get(0)), sampleTokens).build();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            o.printf(Locale.ROOT, "%s%n%,d train, %,d validation, %,d test examples in the %s; batches cut to %d"
                            + " tokens; engine %s on %s%s%n", lm.config(), splits.train().size(),
                    splits.validation().size(), splits.test().size(), InstructionFormatOptions.describe(format),
                    length, Engine.getInstance().getEngineName(), lm.manager().getDevice(),
                    checkpoint.map(p -> "; resuming from " + p).orElse(""));
            o.flush();
            long start = System.nanoTime();
            InstructionFineTuner tuner = new InstructionFineTuner(cfg, format, lora, tokenizer, training.out,
                    new Progress(o, err, lm, format, cfg.samplePrompt()));
            Pretrainer.Result r = tuner.train(lm, splits.train(), splits.validation(), checkpoint.orElse(null));
            o.printf(Locale.ROOT, "done: %d steps, %,d tokens, %.1f s training (%.0f tokens/s), %.1f s in all%n",
                    r.steps(), r.tokensSeen(), r.trainingSeconds(), r.tokensSeen() / Math.max(r.trainingSeconds(), 1e-9),
                    (System.nanoTime() - start) / 1e9);
            if (r.outOfTime()) {
                o.printf("stopped at --max-minutes before the last epoch; --resume continues from the checkpoint%n");
            }
            InstructionFineTuner.SavedModel saved = tuner.save(lm);
            if (saved.adapters() != null) {
                o.printf("wrote the LoRA adapters to %s and merged them%n", saved.adapters());
            }
            o.printf("wrote %s, %s and %s%n", training.out.resolve("model"), training.out.resolve("metrics.csv"), training.out.resolve("loss.png"));
            if (testLimit >= 0) {
                List<InstructionExample> test = testLimit == 0 ? splits.test()
                        : splits.test().subList(0, Math.min(testLimit, splits.test().size()));
                Path file = training.out.resolve("test-responses.json");
                List<InstructionResponses.Response> responses = InstructionResponses.generate(lm, tokenizer, format,
                        test, responseTokens, (i, n, resp) -> {
                            err.printf("\ranswering test entries: %d/%d ", i + 1, n);
                            err.flush();
                        });
                err.print("\r");
                InstructionResponses.write(responses, file);
                TextOverlap.Summary s = TextOverlap.summarize(responses);
                o.printf(Locale.ROOT, "wrote %d test responses to %s; exact match %.1f%%, token F1 %.3f%n",
                        responses.size(), file, 100 * s.exactMatch(), s.tokenF1());
            }
        }
        return 0;
    }

    /** Progress on the terminal: a step counter, losses, and the sample response. */
    private static final class Progress implements Pretrainer.Listener {
        private final PrintWriter o;
        private final PrintWriter err;
        private final LanguageModel lm;
        private final InstructionFormat format;
        private final String samplePrompt;
        private boolean printedTrainable;

        Progress(PrintWriter o, PrintWriter err, LanguageModel lm, InstructionFormat format, String samplePrompt) {
            this.o = o;
            this.err = err;
            this.lm = lm;
            this.format = format;
            this.samplePrompt = samplePrompt;
        }

        @Override
        public void onStep(long step, long total, int epoch, float loss) {
            if (!printedTrainable) {
                printedTrainable = true;
                o.printf(Locale.ROOT, "trainable parameters: %,d of %,d%n", Lora.trainableParameterCount(lm.block()),
                        lm.block().getParameters().stream().mapToLong(p -> p.getValue().getShape().size()).sum());
            }
            err.printf(Locale.ROOT, "\rstep %d/%d epoch %d loss %.3f ", step, total, epoch + 1, loss);
            err.flush();
        }

        @Override
        public void onEvaluation(Evaluation e) {
            err.print("\r");
            o.printf(Locale.ROOT, "ep %.2f (step %06d): train loss %.3f, val loss %.3f%n", e.epoch(), e.step(),
                    e.trainLoss(), e.validationLoss());
            o.flush();
        }

        @Override
        public void onSample(int epoch, long step, String text) {
            err.print("\r");
            String response = format.response(text.startsWith(samplePrompt) ? text.substring(samplePrompt.length())
                    : text);
            o.printf("sample response after epoch %d: %s%n", epoch + 1, response.replace('\n', ' '));
            o.flush();
        }
    }
}
