package dev.jgpt.examples.cli;

import dev.jgpt.datasets.DataSource;
import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.InstructionFineTuner;
import dev.jgpt.training.PretrainConfig;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The training commands' option defaults, read from the library's book configs ({@code
 * PretrainConfig.book()}, {@code ClassifierConfig.book()}, the instruction tuner's), so that a
 * default lives in one place and {@code --help} shows it. Options that declare their own default
 * keep it.
 */
abstract class BookDefaults implements CommandLine.IDefaultValueProvider {

    private final Map<String, String> values = new HashMap<>();

    /** The defaults of a language-model trainer (pretraining, instruction tuning). */
    final void languageModel(PretrainConfig c) {
        put("--epochs", c.epochs());
        put("--batch-size", c.batchSize());
        put("--lr", c.learningRate());
        put("--weight-decay", c.weightDecay());
        put("--eval-every", c.evalEvery());
        put("--eval-batches", c.evalBatches());
        put("--seed", c.seed());
        put("--warmup-steps", c.warmupSteps());
        put("--min-lr", c.minLearningRate());
        put("--grad-clip", c.gradClip());
        put("--grad-accumulation", c.gradAccumulation());
        put("--checkpoint-every", c.checkpointEvery());
        put("--sample-tokens", c.sampleTokens());
        put("--sample-every", c.sampleEvery());
    }

    /** The defaults of the classifier trainer. */
    final void classifier(ClassifierConfig c) {
        put("--epochs", c.epochs());
        put("--batch-size", c.batchSize());
        put("--lr", c.learningRate());
        put("--weight-decay", c.weightDecay());
        put("--eval-every", c.evalEvery());
        put("--eval-batches", c.evalBatches());
        put("--seed", c.seed());
    }

    /** A default of this command's own; numbers written plainly ({@code 0.0004}, not {@code 4.0E-4}). */
    final void put(String option, Object value) {
        String text = value instanceof Float || value instanceof Double
                ? new java.math.BigDecimal(value.toString()).stripTrailingZeros().toPlainString()
                : String.valueOf(value);
        values.put(option, text);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o ? values.get(o.longestName()) : null;
    }

    /** {@code pretrain}: the book's chapter 5 run on a fresh 16M model. */
    static final class Pretrain extends BookDefaults {
        Pretrain() {
            PretrainConfig book = PretrainConfig.book();
            languageModel(book);
            put("--data", DataSource.THE_VERDICT.name());
            put("--context-length", book.contextLength());
            put("--prompt", book.samplePrompt());
            put("--model-size", "mini");
            put("--dropout", 0.1f);
        }
    }

    /** {@code finetune-classifier}: the book's chapter 6 settings. */
    static final class Classifier extends BookDefaults {
        Classifier() {
            classifier(ClassifierConfig.book());
            put("--data", DataSource.SMS_SPAM_COLLECTION.name());
            put("--model-size", "tiny");
            put("--dropout", 0f);
        }
    }

    /** {@code finetune-instruct} (and {@code generate-responses}): the book's chapter 7 settings. */
    static final class Instruct extends BookDefaults {
        Instruct() {
            languageModel(InstructionFineTuner.bookSettings().build());
            put("--data", DataSource.INSTRUCTION_DATA.name());
            put("--model-size", "mini");
            put("--dropout", 0f);
        }
    }
}
