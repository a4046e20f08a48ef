package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpamDataTest {

    @TempDir Path tmp;

    private static Path tsv() {
        return TestData.dataset("sms-spam-collection").resolve("SMSSpamCollection.tsv");
    }

    @Test
    void realFileHasTheDocumentedCounts() {
        List<LabeledText> all = SpamData.parse(tsv());
        assertThat(all).hasSize(5_574);
        assertThat(all.stream().filter(t -> t.label() == SpamData.SPAM)).hasSize(747);
        assertThat(all.stream().filter(t -> t.label() == SpamData.HAM)).hasSize(4_827);
        List<LabeledText> balanced = SpamData.balance(all, 123);
        assertThat(balanced).hasSize(1_494);
        assertThat(balanced.stream().filter(t -> t.label() == SpamData.SPAM)).hasSize(747);
        Splits<LabeledText> splits = SpamData.split(balanced, 0.7, 0.1, 123);
        assertThat(splits.train()).hasSize(1_045);
        assertThat(splits.validation()).hasSize(149);
        assertThat(splits.test()).hasSize(300);
        assertThat(SpamData.load(tsv(), 123)).isEqualTo(splits);
        assertThat(SpamData.load(tsv(), 124).train()).isNotEqualTo(splits.train());
    }

    @Test
    void malformedLinesAreNamed() throws Exception {
        Path noTab = Files.writeString(tmp.resolve("a.tsv"), "ham\tok\nspam no tab here\n");
        assertThatThrownBy(() -> SpamData.parse(noTab))
                .isInstanceOf(DatasetException.class).hasMessageContaining("line 2");
        Path badLabel = Files.writeString(tmp.resolve("b.tsv"), "ham\tok\nham\tfine\neggs\tno\n");
        assertThatThrownBy(() -> SpamData.parse(badLabel))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 3").hasMessageContaining("unknown label 'eggs'");
    }

    @Test
    void encodesAndPadsToTheLongestOrAGivenLength() throws Exception {
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.builtIn()) {
            List<LabeledText> texts = List.of(new LabeledText("Hi there", 0),
                    new LabeledText("You won a prize, call now", 1));
            ClassificationDataset ds = ClassificationDataset.builder().setTexts(texts, tok)
                    .setSampling(2, false).build();
            int longest = tok.encode("You won a prize, call now").length;
            assertThat(ds.maxLength()).isEqualTo(longest);
            long[] first = ds.ids(0);
            assertThat(first).startsWith(tok.encode("Hi there"));
            assertThat(first).endsWith(50256L).hasSize(longest);
            ClassificationDataset cut = ClassificationDataset.builder().setTexts(texts, tok)
                    .optMaxLength(3).setSampling(2, false).build();
            assertThat(cut.ids(1)).containsExactly(java.util.Arrays.copyOf(tok.encode("You won a prize, call now"), 3));
            try (NDManager m = NDManager.newBaseManager()) {
                Batch b = ds.getData(m).iterator().next();
                assertThat(b.getData().head().getShape().getShape()).containsExactly(2, longest);
                assertThat(b.getLabels().head().toLongArray()).containsExactly(0, 1);
                b.close();
            }
        }
    }
}
