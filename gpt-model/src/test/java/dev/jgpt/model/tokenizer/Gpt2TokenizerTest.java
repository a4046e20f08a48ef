package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gpt2TokenizerTest {

    record Vector(String text, long[] ids) {}

    private static Gpt2Tokenizer tokenizer;
    private static List<Vector> vectors;

    @BeforeAll
    static void setUp() throws IOException {
        tokenizer = Gpt2Tokenizer.builtIn();
        JsonArray arr = JsonParser.parseString(Files.readString(
                TestData.fixture("tokenizer").resolve("gpt2-vectors.json"))).getAsJsonArray();
        vectors = new ArrayList<>();
        for (JsonElement e : arr) {
            JsonArray ids = e.getAsJsonObject().getAsJsonArray("ids");
            long[] out = new long[ids.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = ids.get(i).getAsLong();
            }
            vectors.add(new Vector(e.getAsJsonObject().get("text").getAsString(), out));
        }
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(10);
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    @Test
    void everyVectorEncodesToItsIdsAndDecodesBack() {
        for (Vector v : vectors) {
            assertThat(tokenizer.encode(v.text())).as(v.text()).containsExactly(v.ids());
            assertThat(tokenizer.decode(v.ids())).as(v.text()).isEqualTo(v.text());
        }
    }

    /** OpenAI's encoder.json and vocab.bpe, decompressed from {@code testdata/gpt2} into {@code dir}. */
    private static Path openAiFiles(Path dir) {
        TestData.gunzip("gpt2/encoder.json", dir);
        TestData.gunzip("gpt2/vocab.bpe", dir);
        return dir;
    }

    @Test
    void derivedVocabularyAndMergesEqualOpenAisFiles(@TempDir Path tmp) throws IOException {
        Path dir = openAiFiles(tmp);
        Gpt2Vocabulary openAi = Gpt2Vocabulary.fromFiles(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        Gpt2Vocabulary derived = Gpt2Vocabulary.builtIn();
        assertThat(derived.vocab()).hasSize(50_257).isEqualTo(openAi.vocab());
        assertThat(derived.merges()).hasSize(50_000).containsExactlyElementsOf(openAi.merges());
    }

    @Test
    void openAiFilesGiveTheSameIds(@TempDir Path tmp) throws IOException {
        Path dir = openAiFiles(tmp);
        try (Gpt2Tokenizer fromFiles =
                Gpt2Tokenizer.fromOpenAiFiles(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"))) {
            for (Vector v : vectors) {
                assertThat(fromFiles.encode(v.text())).as(v.text()).containsExactly(v.ids());
            }
        }
    }

    @Test
    void aHuggingFaceTokenizerJsonGivesTheSameIds(@TempDir Path tmp)
            throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), Gpt2Vocabulary.builtIn().toTokenizerJson(true));
        try (Tokenizer fromJson = HfTokenizer.fromFolder(tmp)) {
            assertThat(fromJson.vocabSize()).isEqualTo(50_257);
            for (Vector v : vectors) {
                assertThat(fromJson.encode(v.text())).as(v.text()).containsExactly(v.ids());
            }
        }
    }

    @Test
    void endOfTextIsSpecialOnlyWhenAllowed() {
        assertThat(tokenizer.encode("<|endoftext|>")).containsExactly(50256L);
        long[] literal = tokenizer.encodeOrdinary("<|endoftext|>");
        assertThat(literal).doesNotContain(50256L).hasSizeGreaterThan(1);
        assertThat(tokenizer.decode(literal)).isEqualTo("<|endoftext|>");
    }

    @Test
    void longTextIsNeitherTruncatedNorPadded() throws IOException {
        String verdict = Files.readString(TestData.dataset("the-verdict.txt"));
        assertThat(verdict).hasSize(20_479);
        long[] ids = tokenizer.encode(verdict);
        assertThat(ids).hasSize(5_145);
        assertThat(tokenizer.decode(ids)).isEqualTo(verdict);
        assertThat(tokenizer.encode("Hi")).containsExactly(17250L);
    }

    @Test
    void badIdsAndMissingFilesAreReported(@TempDir Path tmp) {
        assertThatThrownBy(() -> tokenizer.decode(new long[] {50257}))
                .hasMessageContaining("Token id 50257 is outside the vocabulary");
        assertThatThrownBy(() -> Gpt2Tokenizer.fromOpenAiFiles(tmp.resolve("encoder.json"), tmp.resolve("vocab.bpe")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("encoder.json");
    }

    @Test
    void malformedMergeLineIsNamed(@TempDir Path tmp) throws IOException {
        Path enc = Files.writeString(tmp.resolve("encoder.json"), "{\"a\":0}");
        Path bpe = Files.writeString(tmp.resolve("vocab.bpe"), "#version: 0.2\na b\nabc\n");
        assertThatThrownBy(() -> Gpt2Vocabulary.fromFiles(enc, bpe))
                .hasMessageContaining("line 3");
    }
}
