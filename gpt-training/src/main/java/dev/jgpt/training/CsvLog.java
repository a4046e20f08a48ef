package dev.jgpt.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A run's CSV of evaluations, one row each, keyed by step in the first column. On resume, rows
 * after the checkpoint's step are dropped (and the kept ones read back), so the file matches the
 * weights.
 */
final class CsvLog<T> {

    private final Path file;
    private final Function<T, String> format;
    private final List<T> rows = new ArrayList<>();

    /**
     * @param parse a row's cells to a value
     * @param format a value to its line, without the line break
     */
    CsvLog(Path file, String header, long keepUpToStep, Function<String[], T> parse, Function<T, String> format) {
        this.file = file;
        this.format = format;
        int columns = header.split(",").length;
        try {
            List<String> kept = new ArrayList<>();
            kept.add(header);
            if (keepUpToStep > 0 && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split(",", -1);
                    if (f.length == columns && !line.equals(header) && Long.parseLong(f[0]) <= keepUpToStep) {
                        kept.add(line);
                        rows.add(parse.apply(f));
                    }
                }
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e, e);
        }
    }

    void add(T row) {
        rows.add(row);
        try {
            Files.writeString(file, format.apply(row) + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot append to " + file + ": " + ex, ex);
        }
    }

    List<T> rows() {
        return List.copyOf(rows);
    }
}
