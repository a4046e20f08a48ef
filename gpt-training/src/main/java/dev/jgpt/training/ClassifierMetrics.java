package dev.jgpt.training;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code metrics.csv} of a classification run: one row per {@link ClassifierEvaluation},
 * accuracies and test loss empty between epochs.
 */
final class ClassifierMetrics {

    static final String HEADER = "step,epoch,examples_seen,train_loss,val_loss,test_loss,train_acc,val_acc,test_acc";

    private ClassifierMetrics() {}

    static CsvLog<ClassifierEvaluation> open(Path file, long keepUpToStep) {
        return new CsvLog<>(file, HEADER, keepUpToStep,
                f -> new ClassifierEvaluation(Long.parseLong(f[0]), Double.parseDouble(f[1]), Long.parseLong(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), number(f[5]), number(f[6]),
                        number(f[7]), number(f[8])),
                e -> String.format(Locale.ROOT, "%d,%.4f,%d,%.6f,%.6f,%s,%s,%s,%s", e.step(), e.epoch(),
                        e.examplesSeen(), e.trainLoss(), e.validationLoss(), cell(e.testLoss()),
                        cell(e.trainAccuracy()), cell(e.validationAccuracy()), cell(e.testAccuracy())));
    }

    private static double number(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String cell(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
}
