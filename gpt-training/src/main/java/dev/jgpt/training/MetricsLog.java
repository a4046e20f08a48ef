package dev.jgpt.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's {@code metrics.csv}: one row per evaluation. On resume, rows after the checkpoint's
 * step are dropped, so the file matches the weights.
 */
final class MetricsLog {

    static final String HEADER =
            "step,epoch,tokens_seen,train_loss,val_loss,val_perplexity,lr,tokens_per_s";

    private final Path file;
    private final List<Evaluation> rows = new ArrayList<>();

    MetricsLog(Path file, long keepUpToStep) {
        this.file = file;
        try {
            List<String> kept = new ArrayList<>();
            kept.add(HEADER);
            if (keepUpToStep > 0 && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split(",");
                    if (f.length == 8 && !line.startsWith("step") && Long.parseLong(f[0]) <= keepUpToStep) {
                        kept.add(line);
                        rows.add(new Evaluation(Long.parseLong(f[0]), Double.parseDouble(f[1]),
                                Long.parseLong(f[2]), Double.parseDouble(f[3]),
                                Double.parseDouble(f[4]), Float.parseFloat(f[6]), Double.parseDouble(f[7])));
                    }
                }
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e, e);
        }
    }

    void add(Evaluation e) {
        rows.add(e);
        String line = String.format(Locale.ROOT, "%d,%.4f,%d,%.6f,%.6f,%.4f,%.3e,%.1f%n", e.step(),
                e.epoch(), e.tokensSeen(), e.trainLoss(), e.validationLoss(),
                e.validationPerplexity(), e.learningRate(), e.tokensPerSecond());
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot append to " + file + ": " + ex, ex);
        }
    }

    List<Evaluation> rows() {
        return List.copyOf(rows);
    }
}
