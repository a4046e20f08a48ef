package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTokenizerTest {

    private static Gpt2Tokenizer tokenizer;
    private static String verdict;

    @TempDir Path tmp;

    @BeforeAll
    static void setUp() throws IOException {
        tokenizer = Gpt2Tokenizer.builtIn();
        verdict = Files.readString(TestData.dataset("the-verdict.txt"));
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private void assertSameAsOneCall(Path input, String text, double ratio) {
        TextSplit expected = TextSplit.byCharacters(text, ratio);
        try (CorpusTokenizer.Split split = CorpusTokenizer.tokenize(input, tokenizer, ratio, tmp.resolve("ids"))) {
            assertThat(split.characters()).isEqualTo(text.length());
            assertThat(split.train().toArray()).containsExactly(tokenizer.encode(expected.train()));
            assertThat(split.validation().toArray()).containsExactly(tokenizer.encode(expected.validation()));
        }
        assertThat(tmp.resolve("ids/train-tokens.u32")).as("deleted when closed").doesNotExist();
    }

    @Test
    void theVerdictGivesTheBooksIds() {
        assertSameAsOneCall(TestData.dataset("the-verdict.txt"), verdict, 0.9);
    }

    /** Pieces end where no token spans them: the ids are those of one call. */
    @Test
    void aTextOfSeveralPiecesGivesTheIdsOfOneCall() throws IOException {
        String big = (verdict + "\n").repeat(8); // 164K characters: three pieces, the 0.9 cut in the third
        assertThat(big.length()).isGreaterThan(CorpusTokenizer.PIECE_CHARS);
        Path file = Files.writeString(tmp.resolve("big.txt"), big);
        assertSameAsOneCall(file, big, 0.9);
        assertSameAsOneCall(file, big, 0.3);
    }

    @Test
    void aFolderIsItsTxtFilesJoinedBySeparators() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        Files.writeString(dir.resolve("b.txt"), "Second file. ");
        Files.writeString(dir.resolve("a.txt"), "First file, é and 😀.");
        Files.writeString(dir.resolve("skip.md"), "not text of the corpus");
        String joined = String.join(CorpusTokenizer.FILE_SEPARATOR, TextFiles.readAll(dir));
        assertThat(joined).startsWith("First file").doesNotContain("not text");
        assertSameAsOneCall(dir, joined, 0.5);
    }

    /**
     * Issue 15's out-of-memory: a text four times the heap streams in a child JVM with {@code
     * -Xmx16m}, where reading it whole (the old way) runs out of memory.
     */
    @Test
    void aTextLargerThanTheHeapStreams() throws Exception {
        Path file = tmp.resolve("large.txt");
        try (var out = Files.newBufferedWriter(file)) {
            String line = "Every effort moves you a little further along the way.\n";
            for (long written = 0; written < 64L << 20; written += line.length()) {
                out.write(line);
            }
        }
        long chars = Files.size(file);
        Child stream = child("stream", file.toString(), tmp.resolve("ids").toString());
        assertThat(stream.code()).as(stream.output()).isZero();
        long train = (long) (0.9 * chars);
        assertThat(stream.output().strip()).isEqualTo(train + " " + (chars - train));
        Child whole = child("whole", file.toString());
        assertThat(whole.code()).isNotZero();
        assertThat(whole.output()).contains("OutOfMemoryError");
    }

    private record Child(int code, String output) {}

    private static Child child(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx16m", "-cp",
                System.getProperty("java.class.path"), SmallHeapMain.class.getName()));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish: " + output);
        }
        return new Child(p.exitValue(), output);
    }

    @Test
    void splitPointsFallWhereNoTokenSpans() {
        assertThat(CorpusTokenizer.splitPoint("aaaa bbbb")).isEqualTo(4); // before the single space
        assertThat(CorpusTokenizer.splitPoint("aaaa\nbbbb")).isEqualTo(5); // after the single newline
        assertThat(CorpusTokenizer.splitPoint("aaaa  bb")).isEqualTo(8); // two spaces: no safe point, the end
        assertThat(CorpusTokenizer.splitPoint("abc\uD83D")).isEqualTo(3); // never half a surrogate pair
    }

    @Test
    void notARegularFileIsAClearError() {
        Path zero = Paths.get("/dev/zero");
        if (Files.exists(zero)) {
            assertThatThrownBy(() -> CorpusTokenizer.tokenize(zero, tokenizer, 0.9, tmp))
                    .isInstanceOf(DatasetException.class)
                    .hasMessage("/dev/zero is not a regular file: pretraining text must be a text file or a folder of"
                            + " .txt files");
            assertThatThrownBy(() -> TextFiles.read(zero)).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("is not a regular file");
        }
        assertThatThrownBy(() -> CorpusTokenizer.tokenize(tmp.resolve("missing.txt"), tokenizer, 0.9, tmp))
                .isInstanceOf(DatasetException.class).hasMessageContaining("File not found");
    }

    @Test
    void binaryOrNonUtf8FilesAreClearErrors() throws IOException {
        Path nul = Files.write(tmp.resolve("nul.txt"), "text\0more".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> CorpusTokenizer.tokenize(nul, tokenizer, 0.9, tmp.resolve("a")))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("is not text: a NUL character at character 4");
        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'x'});
        assertThatThrownBy(() -> CorpusTokenizer.tokenize(latin1, tokenizer, 0.9, tmp.resolve("b")))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("is not valid UTF-8 (bad byte at offset 3)");
    }
}
