package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The book's chapter 2 numbers for its simple tokenizers on "The Verdict". */
class SimpleTokenizerTest {

    @Test
    void splitsLikeTheBook() {
        assertThat(SimpleTokenizer.split("Hello, world. Is this-- a test?"))
                .containsExactly("Hello", ",", "world", ".", "Is", "this", "--", "a", "test", "?");
    }

    @Test
    void verdictVocabularyHasTheBooksSizesAndIds() throws IOException {
        String verdict = Files.readString(TestData.dataset("the-verdict.txt"));
        assertThat(SimpleTokenizer.split(verdict)).hasSize(4690);
        SimpleTokenizer v1 = SimpleTokenizer.fromText(verdict, false);
        assertThat(v1.vocab()).hasSize(1130);
        String text = "\"It's the last he painted, you know,\" Mrs. Gisburn said with pardonable pride.";
        int[] ids = v1.encode(text);
        assertThat(ids).containsExactly(1, 56, 2, 850, 988, 602, 533, 746, 5, 1126, 596, 5, 1, 67, 7,
                38, 851, 1108, 754, 793, 7);
        assertThat(v1.decode(ids)).isEqualTo(
                "\" It' s the last he painted, you know,\" Mrs. Gisburn said with pardonable pride.");
        assertThatThrownBy(() -> v1.encode("Hello, do you like tea?"))
                .hasMessageContaining("'Hello' is not in the vocabulary");

        SimpleTokenizer v2 = SimpleTokenizer.fromText(verdict, true);
        assertThat(v2.vocab()).hasSize(1132);
        assertThat(v2.vocab()).containsEntry("<|endoftext|>", 1130).containsEntry("<|unk|>", 1131);
        String joined = "Hello, do you like tea? <|endoftext|> In the sunlit terraces of the palace.";
        int[] ids2 = v2.encode(joined);
        assertThat(ids2).containsExactly(1131, 5, 355, 1126, 628, 975, 10, 1130, 55, 988, 956, 984,
                722, 988, 1131, 7);
        assertThat(v2.decode(ids2)).isEqualTo(
                "<|unk|>, do you like tea? <|endoftext|> In the sunlit terraces of the <|unk|>.");
    }
}
