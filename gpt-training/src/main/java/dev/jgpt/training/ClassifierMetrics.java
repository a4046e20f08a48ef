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
 * A fine-tuning run's {@code metrics.csv}: one row per evaluation (accuracies empty between
 * epochs). On resume, rows after the checkpoint's step are dropped.
 */
final class ClassifierMetrics {

    static final String HEADER = "step,epoch,examples_seen,train_loss,val_loss,train_acc,val_acc";

    private final Path file;
    private final List<ClassifierEvaluation> rows = new ArrayList<>();

    ClassifierMetrics(Path file, long keepUpToStep) {
        this.file = file;
        try {
            List<String> kept = new ArrayList<>();
            kept.add(HEADER);
            if (keepUpToStep > 0 && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split(",", -1);
                    if (f.length == 7 && !line.startsWith("step") && Long.parseLong(f[0]) <= keepUpToStep) {
                        kept.add(line);
                        rows.add(new ClassifierEvaluation(Long.parseLong(f[0]), Double.parseDouble(f[1]),
                                Long.parseLong(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                                number(f[5]), number(f[6])));
                    }
                }
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e, e);
        }
    }

    private static double number(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    void add(ClassifierEvaluation e) {
        rows.add(e);
        String line = String.format(Locale.ROOT, "%d,%.4f,%d,%.6f,%.6f,%s,%s%n", e.step(), e.epoch(),
                e.examplesSeen(), e.trainLoss(), e.validationLoss(), cell(e.trainAccuracy()),
                cell(e.validationAccuracy()));
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot append to " + file + ": " + ex, ex);
        }
    }

    List<ClassifierEvaluation> rows() {
        return List.copyOf(rows);
    }
}
