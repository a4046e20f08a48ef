package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlidingWindowDatasetTest {

    private static Gpt2Tokenizer tokenizer;
    private static String verdict;

    @TempDir Path tmp;

    @BeforeAll
    static void setUp() {
        tokenizer = Gpt2Tokenizer.builtIn();
        verdict = TextFiles.read(TestData.dataset("the-verdict.txt"));
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    private static List<long[][]> batches(SlidingWindowDataset ds) throws Exception {
        List<long[][]> out = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (Batch b : ds.getData(m)) {
                long[] shape = b.getData().head().getShape().getShape();
                out.add(new long[][] {b.getData().head().toLongArray(), b.getLabels().head().toLongArray(), shape});
                b.close();
            }
        }
        return out;
    }

    @Test
    void windowsOfAHandMadeStream() throws Exception {
        long[] ids = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
        SlidingWindowDataset ds = SlidingWindowDataset.builder().setTokens(ids).setMaxLength(4)
                .setStride(3).setSampling(1, false).build();
        assertThat(ds.size()).isEqualTo(2); // range(0, 6, 3) = 0, 3
        List<long[][]> b = batches(ds);
        assertThat(b.get(0)[0]).containsExactly(10, 11, 12, 13);
        assertThat(b.get(0)[1]).containsExactly(11, 12, 13, 14);
        assertThat(b.get(1)[0]).containsExactly(13, 14, 15, 16);
        assertThat(b.get(1)[1]).containsExactly(14, 15, 16, 17);
        assertThat(SlidingWindowDataset.windowCount(5, 4, 1)).isEqualTo(1);
        assertThat(SlidingWindowDataset.windowCount(4, 4, 1)).isZero();
    }

    @Test
    void theVerdictHasTheBooksCountsAndFirstBatch() throws Exception {
        assertThat(verdict).hasSize(20_479);
        SlidingWindowDataset ds = SlidingWindowDataset.builder().setText(verdict, tokenizer)
                .setMaxLength(4).setStride(1).setSampling(1, false).build();
        assertThat(ds.tokens()).hasSize(5_145);
        List<long[][]> b = batches(ds);
        assertThat(b.get(0)[0]).containsExactly(40, 367, 2885, 1464);
        assertThat(b.get(0)[1]).containsExactly(367, 2885, 1464, 1807);
        assertThat(b.get(1)[0]).containsExactly(367, 2885, 1464, 1807);
    }

    @Test
    void theBooksPretrainingLoaders() throws Exception {
        TextSplit split = TextSplit.byCharacters(verdict, 0.9);
        assertThat(split.train()).hasSize(18_431);
        SlidingWindowDataset train = SlidingWindowDataset.builder().setText(split.train(), tokenizer)
                .setMaxLength(256).setStride(256).setSampling(2, true, true, 123).build();
        SlidingWindowDataset val = SlidingWindowDataset.builder().setText(split.validation(), tokenizer)
                .setMaxLength(256).setStride(256).setSampling(2, false, false, 123).build();
        List<long[][]> trainBatches = batches(train);
        List<long[][]> valBatches = batches(val);
        // the book: "Train loader: 9 x torch.Size([2, 256])", "Validation loader: 1 x [2, 256]"
        assertThat(trainBatches).hasSize(9);
        assertThat(trainBatches).allSatisfy(x -> assertThat(x[2]).containsExactly(2, 256));
        assertThat(valBatches).hasSize(1);
        assertThat(valBatches.get(0)[2]).containsExactly(2, 256);
        // the same seed gives the same order; another seed another one
        List<long[][]> again = batches(SlidingWindowDataset.builder().setText(split.train(), tokenizer)
                .setMaxLength(256).setStride(256).setSampling(2, true, true, 123).build());
        List<long[][]> other = batches(SlidingWindowDataset.builder().setText(split.train(), tokenizer)
                .setMaxLength(256).setStride(256).setSampling(2, true, true, 7).build());
        for (int i = 0; i < 9; i++) {
            assertThat(again.get(i)[0]).containsExactly(trainBatches.get(i)[0]);
        }
        boolean differs = false;
        for (int i = 0; i < 9; i++) {
            differs |= !java.util.Arrays.equals(other.get(i)[0], trainBatches.get(i)[0]);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void badTextIsReported() throws Exception {
        assertThatThrownBy(() -> SlidingWindowDataset.builder().setText("Too short.", tokenizer)
                .setMaxLength(256).setSampling(1, false).build())
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("Text of 3 tokens is too short for one window of 256");
        assertThatThrownBy(() -> SlidingWindowDataset.builder().setText("", tokenizer))
                .isInstanceOf(DatasetException.class).hasMessageContaining("empty");
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        assertThatThrownBy(() -> SlidingWindowDataset.builder().setTextFile(empty, tokenizer))
                .isInstanceOf(DatasetException.class).hasMessageContaining("Empty text file");
        Path binary = Files.write(tmp.resolve("bad.txt"), new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(() -> SlidingWindowDataset.builder().setTextFile(binary, tokenizer))
                .isInstanceOf(DatasetException.class).hasMessageContaining("bad.txt is not valid UTF-8");
        assertThatThrownBy(() -> SlidingWindowDataset.builder().setTextFile(tmp.resolve("missing.txt"), tokenizer))
                .isInstanceOf(DatasetException.class).hasMessageContaining("File not found");
    }

    @Test
    void aFolderOfTextFilesIsJoinedWithEndOfText() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("corpus"));
        Files.writeString(dir.resolve("b.txt"), "second file");
        Files.writeString(dir.resolve("a.txt"), "first file");
        Files.writeString(dir.resolve("notes.md"), "ignored");
        SlidingWindowDataset ds = SlidingWindowDataset.builder().setTextFile(dir, tokenizer)
                .setMaxLength(2).setStride(1).setSampling(1, false).build();
        assertThat(ds.tokens()).containsExactly(tokenizer.encode("first file <|endoftext|> second file"));
        assertThat(ds.tokens()).contains(50256L);
    }
}
