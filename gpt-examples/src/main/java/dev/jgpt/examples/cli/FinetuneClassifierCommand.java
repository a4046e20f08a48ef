package dev.jgpt.examples.cli;

import ai.djl.engine.Engine;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.LabeledText;
import dev.jgpt.datasets.SpamData;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.GptConfig;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.ClassifierEvaluation;
import dev.jgpt.training.ClassifierFineTuner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt finetune-classifier}: the book's chapter 6 spam classifier. */
@Command(name = "finetune-classifier", mixinStandardHelpOptions = true,
        description = "Fine-tune a GPT to classify SMS messages as spam or not spam (balanced 70/10/20 split).")
final class FinetuneClassifierCommand implements Callable<Integer> {

    static final List<String> LABELS = List.of("not spam", "spam");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @Option(names = "--data", defaultValue = "sms-spam-collection",
            description = "A TSV of label<TAB>text, or a data set name: sms-spam-collection (or spam) is bundled in"
                    + " the jar (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--model", description = "Start from this model folder (HuggingFace GPT-2 or jgpt checkpoint).")
    Path model;

    @Option(names = "--model-size", defaultValue = "tiny",
            description = "Without --model: a preset trained from random weights (default: ${DEFAULT-VALUE}).")
    String modelSize;

    @Option(names = "--init-style", defaultValue = "GPT2", description = "Random init without --model: GPT2 or BOOK (default: ${DEFAULT-VALUE}).")
    InitStyle initStyle;

    @Option(names = "--dropout", defaultValue = "0.0", description = "Dropout of a fresh model (default: ${DEFAULT-VALUE}).")
    float dropout;

    @Option(names = "--out", required = true, description = "The run's folder: classifier/, checkpoint/, metrics.csv, loss.png, accuracy.png.")
    Path out;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out if there is one.")
    boolean resume;

    @Option(names = "--epochs", defaultValue = "5", description = "(default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", description = "(default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "(default: ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--trainable", defaultValue = "last",
            description = "What trains besides the head: 'last' (last block + final norm, the book), 'lastN' (e.g. last2), or 'all' (default: ${DEFAULT-VALUE}).")
    String trainable;

    @Option(names = "--lora-rank", defaultValue = "0", description = "Train LoRA adapters of this rank (and the head) instead; 0: off (default: ${DEFAULT-VALUE}).")
    int loraRank;

    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA scaling numerator, update x alpha/rank (default: ${DEFAULT-VALUE}).")
    float loraAlpha;

    @Option(names = "--max-length", defaultValue = "0", description = "Tokens per message; 0: the longest training message (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--eval-every", defaultValue = "50", description = "Steps between loss evaluations (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-batches", defaultValue = "5", description = "Batches per evaluation; 0: whole sets (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(names = "--seed", defaultValue = "123", description = "Seeds the split, the head, batch order, dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClassifierConfig cfg;
        try {
            cfg = new ClassifierConfig(epochs, batchSize, lr, weightDecay, trainableBlocks(),
                    loraRank != 0 ? new LoraConfig(loraRank, loraAlpha) : null, evalEvery, evalBatches, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Path tsv = DataResolver.fromEnvironment().resolve(data);
        Splits<LabeledText> splits = SpamData.load(tsv, seed);
        Optional<Path> checkpoint = RunFolder.checkpoint(out, resume);
        try (TextClassifier c = startingClassifier(checkpoint, splits)) {
            ClassificationDataset train = dataset(splits.train(), c, 0);
            ClassificationDataset val = dataset(splits.validation(), c, c.maxLength());
            ClassificationDataset test = dataset(splits.test(), c, c.maxLength());
            o.printf(Locale.ROOT, "%s%n%d classes %s, max length %d; %d train, %d validation, %d test"
                            + " messages; engine %s on %s%s%n", c.config(), c.labels().size(), c.labels(),
                    c.maxLength(), train.size(), val.size(), test.size(), Engine.getInstance().getEngineName(),
                    c.manager().getDevice(), checkpoint.map(p -> "; resuming from " + p).orElse(""));
            o.flush();
            ClassifierFineTuner tuner = new ClassifierFineTuner(cfg, out, new ClassifierFineTuner.Listener() {
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
            if (c.lora() != null) {
                Lora.save(c.block().gpt(), c.lora(), out.resolve("adapters"));
                o.printf("wrote the LoRA adapters (without the head) to %s%n", out.resolve("adapters"));
            }
            o.printf("wrote %s, %s, %s and %s%n", out.resolve(ClassifierFineTuner.MODEL_DIR),
                    out.resolve("metrics.csv"), out.resolve("loss.png"), out.resolve("accuracy.png"));
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
        return ClassificationDataset.builder().setTexts(texts, c.tokenizer()).setSampling(batchSize, false).optMaxLength(length > 0 ? length : c.maxLength()).build();
    }

    private TextClassifier startingClassifier(Optional<Path> checkpoint, Splits<LabeledText> splits) {
        if (checkpoint.isPresent()) {
            return TextClassifier.load(checkpoint.get(), device.device());
        }
        int length = maxLength;
        if (length == 0) {
            try (var tokenizer = dev.jgpt.model.tokenizer.Tokenizers.forModel(model)) {
                for (LabeledText t : splits.train()) {
                    length = Math.max(length, tokenizer.encode(t.text()).length);
                }
            }
        }
        if (model != null) {
            GptConfig config = dev.jgpt.model.io.Checkpoints.readConfig(model);
            return TextClassifier.fromLanguageModel(model, LABELS, Math.min(length, config.contextLength()),
                    device.device(), (int) seed);
        }
        GptConfig config = ModelSource.config(modelSize).withDropRate(dropout);
        if (config.contextLength() < length) {
            config = config.withContextLength(length);
        }
        return TextClassifier.create(config, LABELS, length, device.device(),
                (int) seed, initStyle);
    }
}
