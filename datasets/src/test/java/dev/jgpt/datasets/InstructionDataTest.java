package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstructionDataTest {

    @TempDir Path tmp;

    @Test
    void realFileSplitsLikeTheBook() {
        List<InstructionExample> data = InstructionData.parse(TestData.dataset("instruction-data.json"));
        assertThat(data).hasSize(1_100);
        Splits<InstructionExample> s = InstructionData.split(data);
        assertThat(s.train()).hasSize(935);
        assertThat(s.test()).hasSize(110);
        assertThat(s.validation()).hasSize(55);
        assertThat(s.train().get(0)).isEqualTo(data.get(0));
        assertThat(s.test().get(0)).isEqualTo(data.get(935));
        assertThat(s.validation().get(0)).isEqualTo(data.get(1045));
    }

    /** Issue 15: a 50 MB entry, or 300,000 entries, must not stall before the first step. */
    @Test
    void hugeEntriesAndDataSetsAreEncodedOnlyAsFarAsTrainingReads() {
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.builtIn()) {
            String huge = "word ".repeat(10_000_000); // 50 MB
            InstructionExample big = new InstructionExample(huge, "", "short answer");
            InstructionCollator collator = new InstructionCollator(false, 256);
            long start = System.nanoTime();
            InstructionDataset one = InstructionDataset.builder().setExamples(List.of(big), tok).setCollator(collator)
                    .optMaxLength(256).setSampling(1, false).build();
            long[] ids = one.ids(0);
            assertThat(ids).hasSize(257); // what a batch cut to 256 positions reads
            assertThat(one.promptLength(0)).isEqualTo(257);
            // the kept ids are those of the whole text's start
            String head = InstructionData.formatFull(big).substring(0, 20_000);
            assertThat(ids).containsExactly(java.util.Arrays.copyOf(tok.encode(head), 257));
            List<InstructionExample> many = java.util.Collections.nCopies(300_000,
                    new InstructionExample("Name a colour.", "", "Blue."));
            InstructionDataset lazy = InstructionDataset.builder().setExamples(many, tok).setCollator(collator)
                    .optMaxLength(256).setSampling(8, false).build();
            assertThat(lazy.size()).isEqualTo(300_000);
            assertThat(lazy.ids(299_999)).isNotEmpty();
            assertThat((System.nanoTime() - start) / 1e9).as("seconds").isLessThan(10);
        }
    }

    @Test
    void emptyOrTooSmallInstructionDataIsNamed() throws Exception {
        Path none = Files.writeString(tmp.resolve("none.json"), "[]");
        assertThatThrownBy(() -> InstructionData.parse(none)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("holds no entries");
        List<InstructionExample> nine = java.util.Collections.nCopies(9, new InstructionExample("i", "", "o"));
        assertThatThrownBy(() -> InstructionData.split(nine)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("9 instruction entries are too few");
        assertThat(InstructionData.split(java.util.Collections.nCopies(10, new InstructionExample("i", "", "o")))
                .validation()).hasSize(1);
    }

    @Test
    void formatsAlpacaPromptsExactly() {
        InstructionExample withInput = new InstructionExample(
                "Identify the correct spelling of the following word.", "Ocassion", "The correct spelling is 'Occasion.'");
        assertThat(InstructionData.formatFull(withInput)).isEqualTo(
                "Below is an instruction that describes a task. Write a response that appropriately"
                        + " completes the request.\n\n### Instruction:\nIdentify the correct spelling of"
                        + " the following word.\n\n### Input:\nOcassion\n\n### Response:\nThe correct"
                        + " spelling is 'Occasion.'");
        InstructionExample noInput = new InstructionExample("Name a color.", "", "Blue.");
        assertThat(InstructionData.formatPrompt(noInput)).isEqualTo(
                "Below is an instruction that describes a task. Write a response that appropriately"
                        + " completes the request.\n\n### Instruction:\nName a color.");
    }

    @Test
    void aChatOfOneUserMessageIsTheTuningPrompt() {
        // the server and chat render conversations with the same format the data is tuned in
        String rendered = PromptFormat.ALPACA.render(List.of(ChatMessage.user("Name a colour.")));
        assertThat(rendered).isEqualTo(InstructionData.formatPrompt(new InstructionExample("Name a colour.", "", ""))
                + InstructionData.responsePrefix());
    }

    @Test
    void malformedEntriesAreNamedByIndex() throws Exception {
        Path missing = Files.writeString(tmp.resolve("a.json"),
                "[{\"instruction\":\"a\",\"input\":\"\",\"output\":\"b\"},{\"instruction\":\"x\"}]");
        assertThatThrownBy(() -> InstructionData.parse(missing))
                .isInstanceOf(DatasetException.class).hasMessageContaining("entry 1 has no 'output'");
        Path notArray = Files.writeString(tmp.resolve("b.json"), "{\"instruction\":\"x\"}");
        assertThatThrownBy(() -> InstructionData.parse(notArray)).hasMessageContaining("expected a JSON array");
        Path broken = Files.writeString(tmp.resolve("c.json"), "[{\"instruction\": ");
        assertThatThrownBy(() -> InstructionData.parse(broken)).hasMessageContaining("not valid JSON");
        Path wrongType = Files.writeString(tmp.resolve("d.json"), "[{\"instruction\":\"a\",\"output\":3}, 5]");
        assertThatThrownBy(() -> InstructionData.parse(wrongType)).hasMessageContaining("entry 0 field 'output'");
    }

    @Test
    void collatesLikeTheBooksCustomCollateFn() {
        long[][] ids = {{0, 1, 2, 3, 4}, {5, 6}, {7, 8, 9}};
        long[][][] out = new InstructionCollator(false, 0).collate(ids, new long[] {1, 1, 1});
        long p = 50256;
        long x = -100;
        assertThat(out[0]).isDeepEqualTo(new long[][] {{0, 1, 2, 3, 4}, {5, 6, p, p, p}, {7, 8, 9, p, p}});
        assertThat(out[1]).isDeepEqualTo(new long[][] {{1, 2, 3, 4, p}, {6, p, x, x, x}, {8, 9, p, x, x}});
        long[][][] capped = new InstructionCollator(false, 3).collate(ids, new long[] {1, 1, 1});
        assertThat(capped[0]).isDeepEqualTo(new long[][] {{0, 1, 2}, {5, 6, p}, {7, 8, 9}});
        assertThat(capped[1]).isDeepEqualTo(new long[][] {{1, 2, 3}, {6, p, x}, {8, 9, p}});
        // prompt of 3 tokens: targets predicting tokens 1 and 2 are ignored; token 3 onwards learned
        long[][][] masked = new InstructionCollator(true, 0).collate(new long[][] {{0, 1, 2, 3, 4}}, new long[] {3});
        assertThat(masked[1]).isDeepEqualTo(new long[][] {{x, x, 3, 4, p}});
    }

    @Test
    void anotherTokenizersEndAndPadIdsAndPaddingToldByPosition() {
        // Qwen3-like: end 151645 learned, pad 151643; 50256 is an ordinary token and the pad id in text stays a target
        long e = 151645;
        long p = 151643;
        long x = -100;
        long[][] ids = {{50256, p, 2}, {5}};
        long[][][] out = new InstructionCollator(false, 0, e, p).collate(ids, new long[] {1, 1});
        assertThat(out[0]).isDeepEqualTo(new long[][] {{50256, p, 2}, {5, e, p}});
        assertThat(out[1]).isDeepEqualTo(new long[][] {{p, 2, e}, {e, x, x}});
    }

    @Test
    void datasetBatchesThroughDjl() throws Exception {
        List<InstructionExample> data = InstructionData.parse(TestData.dataset("instruction-data.json"));
        try (Gpt2Tokenizer tok = Gpt2Tokenizer.builtIn(); NDManager m = NDManager.newBaseManager()) {
            InstructionDataset ds = InstructionDataset.builder().setExamples(data.subList(0, 4), tok)
                    .setCollator(new InstructionCollator(true, 1024)).setSampling(4, false).build();
            assertThat(ds.promptLength(0)).isEqualTo(tok.encode(InstructionData.formatPrompt(data.get(0))).length);
            Batch b = ds.getData(m).iterator().next();
            long[] shape = b.getData().head().getShape().getShape();
            assertThat(b.getLabels().head().getShape().getShape()).containsExactly(shape);
            int longest = 0;
            for (int i = 0; i < 4; i++) {
                longest = Math.max(longest, ds.ids(i).length);
            }
            assertThat(shape).containsExactly(4, longest);
            long[] targets = b.getLabels().head().toLongArray();
            assertThat(targets[0]).isEqualTo(-100); // inside the prompt
            b.close();
        }
        assertThatThrownBy(() -> InstructionDataset.builder().setExamples(data, null).setSampling(1, false).build())
                .hasMessageContaining("setCollator");
    }
}
