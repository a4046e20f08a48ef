package dev.jgpt.datasets;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A named data set with where it comes from and how to check it.
 *
 * @param name the catalogue name, e.g. {@code the-verdict}
 * @param relativePath where the file lives inside a data directory or the cache
 * @param url the canonical download address
 * @param sha256 SHA-256 of the file at {@code relativePath} (lower-case hex)
 * @param zipEntry for a download that is a zip archive, the entry to extract; else {@code null}
 * @param licence the licence the data is distributed under
 * @param citation whom to credit
 */
public record DataSource(
        String name,
        String relativePath,
        String url,
        String sha256,
        String zipEntry,
        String licence,
        String citation) {

    /** Edith Wharton's "The Verdict" (1908): the book's pretraining text. */
    public static final DataSource THE_VERDICT =
            new DataSource(
                    "the-verdict",
                    "the-verdict.txt",
                    "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch02/01_main-chapter-code/the-verdict.txt",
                    "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f",
                    null,
                    "public domain",
                    "Edith Wharton, \"The Verdict\" (1908), via Sebastian Raschka, LLMs-from-scratch");

    /** SMS Spam Collection v.1 (the TSV inside the UCI zip). */
    public static final DataSource SMS_SPAM_COLLECTION =
            new DataSource(
                    "sms-spam-collection",
                    "sms-spam-collection/SMSSpamCollection.tsv",
                    "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
                    "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d",
                    "SMSSpamCollection",
                    "CC BY 4.0",
                    "T. A. Almeida and J. M. Gomez Hidalgo, SMS Spam Collection v.1 (2011), UCI"
                            + " Machine Learning Repository");

    /** The book's 1,100 instruction examples. */
    public static final DataSource INSTRUCTION_DATA =
            new DataSource(
                    "instruction-data",
                    "instruction-data.json",
                    "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch07/01_main-chapter-code/instruction-data.json",
                    "7e09a9af353722ca15c18bc580f093f9c39d3178335a75177319cb1e1d163944",
                    null,
                    "Apache-2.0",
                    "Sebastian Raschka, Build a Large Language Model (From Scratch), chapter 7");

    /** Every source in the catalogue. */
    public static final List<DataSource> CATALOGUE =
            List.of(THE_VERDICT, SMS_SPAM_COLLECTION, INSTRUCTION_DATA);

    /** Short names a user may type for catalogue entries. */
    private static final Map<String, DataSource> ALIASES =
            Map.of("verdict", THE_VERDICT, "spam", SMS_SPAM_COLLECTION, "instructions", INSTRUCTION_DATA);

    /**
     * The catalogue entry called {@code name} (or one of its short names: {@code verdict},
     * {@code spam}, {@code instructions}).
     *
     * @throws IllegalArgumentException listing the known names
     */
    public static DataSource byName(String name) {
        DataSource found = find(name);
        if (found == null) {
            throw new IllegalArgumentException("Unknown data set '" + name + "'; known: " + knownNames());
        }
        return found;
    }

    /** The catalogue entry called {@code name} or one of its short names, else {@code null}. */
    static DataSource find(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        for (DataSource s : CATALOGUE) {
            if (s.name().equals(key)) {
                return s;
            }
        }
        return ALIASES.get(key);
    }

    /** The catalogue's names with their short names, for messages. */
    static String knownNames() {
        return CATALOGUE.stream()
                .map(s -> s.name() + ALIASES.entrySet().stream()
                        .filter(e -> e.getValue() == s)
                        .map(e -> " (or " + e.getKey() + ")")
                        .findFirst().orElse(""))
                .collect(Collectors.joining(", "));
    }
}
