package dev.jgpt.datasets;

import dev.jgpt.model.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * Run in a child JVM with a small heap by {@link CorpusTokenizerTest}: {@code stream FILE DIR}
 * tokenizes FILE with {@link CorpusTokenizer} (one id per character, a tokenizer that costs
 * nothing, so the test measures the reader) and prints the id counts; {@code whole FILE} reads
 * it the old way, whole.
 */
public final class SmallHeapMain {

    private SmallHeapMain() {}

    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        if (args[0].equals("whole")) {
            System.out.println(TextFiles.read(file).length());
            return;
        }
        try (CorpusTokenizer.Split s = CorpusTokenizer.tokenize(file, new PerCharacter(), 0.9, Path.of(args[2]))) {
            System.out.println(s.train().length() + " " + s.validation().length());
        }
    }

    /** One id per UTF-16 character. */
    private static final class PerCharacter implements Tokenizer {
        @Override
        public long[] encode(String text) {
            long[] ids = new long[text.length()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = text.charAt(i);
            }
            return ids;
        }

        @Override
        public long[] encodeWithSpecialTokens(String text) {
            return encode(text);
        }

        @Override
        public String decode(long[] ids) {
            StringBuilder sb = new StringBuilder();
            for (long id : ids) {
                sb.append((char) id);
            }
            return sb.toString();
        }

        @Override
        public int vocabSize() {
            return 65536;
        }

        @Override
        public long[] endIds() {
            return new long[0];
        }

        @Override
        public void save(Path dir) {}

        @Override
        public long padId() {
            return 0;
        }

        @Override
        public void close() {}
    }
}
