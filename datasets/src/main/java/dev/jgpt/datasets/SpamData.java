package dev.jgpt.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The SMS Spam Collection as the book prepares it (chapter 6): parse {@code label<TAB>text}
 * lines, balance the classes by undersampling "ham" to the number of "spam" messages, shuffle and
 * split 70/10/20 into train, validation and test.
 */
public final class SpamData {

    /** Label of a legitimate message. */
    public static final int HAM = 0;

    /** Label of a spam message. */
    public static final int SPAM = 1;

    private SpamData() {}

    /**
     * Parses the TSV.
     *
     * @throws DatasetException naming the first malformed line
     */
    public static List<LabeledText> parse(Path tsv) {
        String text = TextFiles.read(tsv);
        List<LabeledText> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break; // final newline
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new DatasetException(tsv + " line " + (i + 1) + ": expected 'ham' or 'spam',"
                        + " a TAB and the message, got '" + abbreviate(line) + "'");
            }
            String label = line.substring(0, tab);
            int id;
            if (label.equals("ham")) {
                id = HAM;
            } else if (label.equals("spam")) {
                id = SPAM;
            } else {
                throw new DatasetException(tsv + " line " + (i + 1) + ": unknown label '"
                        + abbreviate(label) + "' (expected 'ham' or 'spam')");
            }
            String message = line.substring(tab + 1);
            if (message.isBlank()) {
                throw new DatasetException(tsv + " line " + (i + 1) + ": the " + label
                        + " message is empty; every line needs a text to classify");
            }
            out.add(new LabeledText(message, id));
        }
        if (out.isEmpty()) {
            throw new DatasetException(tsv + " holds no messages");
        }
        return out;
    }

    /**
     * Keeps every spam message and as many randomly chosen ham messages ({@code seed}), hams
     * first, as the book's {@code create_balanced_dataset} does.
     */
    public static List<LabeledText> balance(List<LabeledText> all, long seed) {
        List<LabeledText> ham = new ArrayList<>();
        List<LabeledText> spam = new ArrayList<>();
        for (LabeledText t : all) {
            (t.label() == SPAM ? spam : ham).add(t);
        }
        if (spam.isEmpty() || ham.isEmpty()) {
            throw new DatasetException("The data has " + ham.size() + " ham and " + spam.size() + " spam messages:"
                    + " a classifier needs messages of both labels");
        }
        if (spam.size() > ham.size()) {
            throw new DatasetException("More spam (" + spam.size() + ") than ham (" + ham.size() + ")");
        }
        Collections.shuffle(ham, new Random(seed));
        List<LabeledText> out = new ArrayList<>(ham.subList(0, spam.size()));
        out.addAll(spam);
        return out;
    }

    /**
     * Shuffles ({@code seed}) and splits into {@code trainFraction}, {@code validationFraction}
     * and the rest, with the book's rounding: {@code train = int(n * 0.7)}, {@code validation =
     * int(n * 0.1)}.
     */
    public static <T> Splits<T> split(List<T> data, double trainFraction, double validationFraction, long seed) {
        if (trainFraction <= 0 || validationFraction < 0 || trainFraction + validationFraction >= 1) {
            throw new IllegalArgumentException("Fractions must be positive and leave a test part: "
                    + trainFraction + ", " + validationFraction);
        }
        List<T> shuffled = new ArrayList<>(data);
        Collections.shuffle(shuffled, new Random(seed));
        int trainEnd = (int) (shuffled.size() * trainFraction);
        int validationEnd = trainEnd + (int) (shuffled.size() * validationFraction);
        return new Splits<>(shuffled.subList(0, trainEnd), shuffled.subList(trainEnd, validationEnd),
                shuffled.subList(validationEnd, shuffled.size()));
    }

    /**
     * The book's preparation: parse, balance and split 70/10/20 with one seed.
     *
     * @throws DatasetException naming the file when a split would be empty (too few messages)
     */
    public static Splits<LabeledText> load(Path tsv, long seed) {
        List<LabeledText> balanced = balance(parse(tsv), seed);
        Splits<LabeledText> splits = split(balanced, 0.7, 0.1, seed);
        if (splits.train().isEmpty() || splits.validation().isEmpty() || splits.test().isEmpty()) {
            throw new DatasetException(String.format(java.util.Locale.ROOT, "%s gives %d messages once balanced:"
                    + " too few for a training, a validation and a test split (70/10/20: %d/%d/%d); at least 10"
                    + " are needed", tsv, balanced.size(), splits.train().size(), splits.validation().size(),
                    splits.test().size()));
        }
        return splits;
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
