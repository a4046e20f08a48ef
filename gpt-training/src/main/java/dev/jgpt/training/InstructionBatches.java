package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.jgpt.datasets.InstructionCollator;
import dev.jgpt.datasets.InstructionDataset;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Instruction examples as language-model batches: each batch is padded to its longest example
 * and masked by the book's collate function ({@link InstructionCollator}: the tokenizer's first end
 * id appended and learned, padding with its pad id, targets after the end and optionally inside
 * the prompt ignored).
 */
public final class InstructionBatches implements TrainingBatches {

    private final InstructionDataset data;
    private final InstructionCollator collator;

    /**
     * @param maskPrompt also ignore the targets inside the prompt
     * @param maxLength cut batches to this many positions (the model's context)
     */
    public InstructionBatches(List<InstructionExample> examples, Tokenizer tokenizer, boolean maskPrompt,
            int maxLength) {
        long[] ends = tokenizer.endIds();
        long end = ends.length > 0 ? ends[0] : tokenizer.padId();
        this.collator = new InstructionCollator(maskPrompt, maxLength, end, tokenizer.padId());
        this.data = InstructionDataset.builder().setExamples(examples, tokenizer).setCollator(collator)
                .optMaxLength(maxLength).setSampling(1, false).build();
    }

    @Override
    public int count() {
        return (int) data.size();
    }

    @Override
    public NDArray[] batch(NDManager manager, int[] order, int first, int size) {
        long[][] ids = new long[size][];
        long[] promptLengths = new long[size];
        for (int b = 0; b < size; b++) {
            ids[b] = data.ids(order[first + b]);
            promptLengths[b] = data.promptLength(order[first + b]);
        }
        long[][][] collated = collator.collate(ids, promptLengths);
        return new NDArray[] {manager.create(collated[0]), manager.create(collated[1])};
    }
}
