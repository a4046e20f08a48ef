package dev.jgpt.examples.cli;

import ai.djl.engine.Engine;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.datasets.LabeledText;
import dev.jgpt.datasets.SpamData;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.ClassifierEvaluation;
import dev.jgpt.training.ClassifierFineTuner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt finetune-classifier}: the book's chapter 6 spam classifier. */
@Command(name = "finetune-classifier", mixinStandardHelpOptions = true,
        defaultValueProvider = BookDefaults.Classifier.class,
        description = "Fine-tune a GPT to classify SMS messages as spam or not spam (balanced 70/10/20 split).")
final class FinetuneClassifierCommand implements Callable<Integer> {

    static final List<String> LABELS = List.of("not spam", "spam");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DataOption data;

    @CommandLine.Mixin TrainingOptions training;

    @CommandLine.Mixin FreshModelOptions fresh;

    @CommandLine.Mixin LoraOptions lora;

    @Option(names = "--model", description = "Start from this model: a folder (HuggingFace or jgpt checkpoint) or a Hub"
            + " repository (owner/name).")
    String modelRef;

    /** The folder {@code --model} names, a Hub repository downloaded first; null when not given. */
    private Path model;

    @Option(names = "--trainable", defaultValue = "last",
            description = "What trains besides the head: 'last' (last block + final norm, the book), 'lastN' (e.g. last2), or 'all' (default: ${DEFAULT-VALUE}).")
    String trainable;

    @Option(names = "--max-length", defaultValue = "0", description = "Tokens per message; 0: the longest training message (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Override
    public Integer call() {
        model = modelRef == null ? null : ModelSource.path(modelRef);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClassifierConfig cfg;
        try {
            cfg = training.applyTo(ClassifierConfig.builder()).trainableBlocks(trainableBlocks()).lora(lora.config())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path tsv = data.resolve();
        Splits<LabeledText> splits = SpamData.load(tsv, training.seed);
        Optional<Path> checkpoint = training.checkpoint();
        try (TextClassifier c = startingClassifier(checkpoint, splits)) {
            if (cfg.lora() != null) {
                try {
                    Lora.targets(c.block().body(), cfg.lora()); // an unknown --lora-targets name fails before training
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            ClassificationDataset train = dataset(splits.train(), c, 0);
            ClassificationDataset val = dataset(splits.validation(), c, c.maxLength());
            ClassificationDataset test = dataset(splits.test(), c, c.maxLength());
            o.printf(Locale.ROOT, "%s%n%d classes %s, max length %d; %d train, %d validation, %d test"
                            + " messages; engine %s on %s%s%n", c.config(), c.labels().size(), c.labels(),
                    c.maxLength(), train.size(), val.size(), test.size(), Engine.getInstance().getEngineName(),
                    c.manager().getDevice(), checkpoint.map(p -> "; resuming from " + p).orElse(""));
            o.flush();
            ClassifierFineTuner tuner = new ClassifierFineTuner(cfg, training.out, new ClassifierFineTuner.Listener() {
                @Override
                public void onStep(long step, long total, int epoch, float loss) {
                    if (step == 1) {
                        o.printf(Locale.ROOT, "trainable parameters: %,d of %,d%n",
                                Lora.trainableParameterCount(c.block()), c.block().getParameters().stream()
                                        .mapToLong(p -> p.getValue().getShape().size()).sum());
                    }
                    err.printf(Locale.ROOT, "\rstep %d/%d epoch %d loss %.3f ", step, total, epoch + 1, loss);
                    err.flush();
                }

                @Override
                public void onEvaluation(ClassifierEvaluation e) {
                    err.print("\r");
                    o.printf(Locale.ROOT, "ep %.2f (step %06d): train loss %.3f, val loss %.3f%s%n", e.epoch(),
                            e.step(), e.trainLoss(), e.validationLoss(), Double.isNaN(e.trainAccuracy()) ? ""
                                    : String.format(Locale.ROOT, "; accuracy train %.2f%%, val %.2f%%, test %.2f%%",
                                            100 * e.trainAccuracy(), 100 * e.validationAccuracy(),
                                            100 * e.testAccuracy()));
                    o.flush();
                }
            });
            long start = System.nanoTime();
            ClassifierFineTuner.Result r = tuner.train(c, train, val, test, checkpoint.orElse(null));
            o.printf(Locale.ROOT, "done: %d steps, %.1f s training, %.1f s in all%n", r.steps(),
                    r.trainingSeconds(), (System.nanoTime() - start) / 1e9);
            o.printf(Locale.ROOT, "accuracy: train %.2f%%, validation %.2f%%, test %.2f%%%n",
                    100 * r.trainAccuracy(), 100 * r.validationAccuracy(), 100 * r.testAccuracy());
            if (r.adapters() != null) {
                o.printf("wrote the LoRA adapters (without the head) to %s%n", r.adapters());
            }
            o.printf("wrote %s, %s, %s and %s%n", r.model(),
                    training.out.resolve("metrics.csv"), training.out.resolve("loss.png"), training.out.resolve("accuracy.png"));
        }
        return 0;
    }

    private int trainableBlocks() {
        String t = trainable.toLowerCase(Locale.ROOT);
        if (t.equals("all")) {
            return -1;
        }
        if (t.equals("last")) {
            return 1;
        }
        if (t.matches("last[0-9]+")) {
            return Integer.parseInt(t.substring(4));
        }
        throw new IllegalArgumentException("--trainable must be 'last', 'lastN' or 'all', got '" + trainable + "'");
    }

    private ClassificationDataset dataset(List<LabeledText> texts, TextClassifier c, int length) {
        return ClassificationDataset.builder().setTexts(texts, c.tokenizer()).setSampling(training.batchSize, false).optMaxLength(length > 0 ? length : c.maxLength()).build();
    }

    private TextClassifier startingClassifier(Optional<Path> checkpoint, Splits<LabeledText> splits) {
        if (checkpoint.isPresent()) {
            return TextClassifier.load(checkpoint.get(), device.device());
        }
        Tokenizer tokenizer = fresh.startingTokenizer(model, Optional.empty());
        int length = maxLength;
        ModelConfig config;
        try {
            if (length == 0) {
                for (LabeledText t : splits.train()) {
                    length = Math.max(length, tokenizer.encode(t.text()).length);
                }
            }
            config = model != null ? Checkpoints.readConfig(model) : fresh.config();
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        if (model != null) {
            tokenizer.close();
            return TextClassifier.fromLanguageModel(model, LABELS, Math.min(length, config.contextLength()),
                    device.device(), (int) training.seed);
        }
        if (config.contextLength() < length) {
            config = config.withContextLength(length);
        }
        return TextClassifier.create(config, LABELS, length, device.device(), (int) training.seed, fresh.initStyle,
                tokenizer);
    }
}
