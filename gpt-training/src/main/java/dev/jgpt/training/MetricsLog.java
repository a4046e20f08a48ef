package dev.jgpt.training;

import java.nio.file.Path;
import java.util.Locale;

/** The {@code metrics.csv} of a language-model run: one row per {@link Evaluation}. */
final class MetricsLog {

    static final String HEADER =
            "step,epoch,tokens_seen,train_loss,val_loss,val_perplexity,lr,tokens_per_s";

    private MetricsLog() {}

    static CsvLog<Evaluation> open(Path file, long keepUpToStep) {
        return new CsvLog<>(file, HEADER, keepUpToStep,
                f -> new Evaluation(Long.parseLong(f[0]), Double.parseDouble(f[1]), Long.parseLong(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), Float.parseFloat(f[6]),
                        Double.parseDouble(f[7])),
                e -> String.format(Locale.ROOT, "%d,%.4f,%d,%.6f,%.6f,%.4f,%.3e,%.1f", e.step(), e.epoch(),
                        e.tokensSeen(), e.trainLoss(), e.validationLoss(), e.validationPerplexity(),
                        e.learningRate(), e.tokensPerSecond()));
    }
}
