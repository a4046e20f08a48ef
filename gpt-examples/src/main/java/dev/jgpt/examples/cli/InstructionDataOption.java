package dev.jgpt.examples.cli;

import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.Splits;

/** Resolves {@code --data} for the instruction commands: a JSON file or 'instruction-data' (bundled). */
final class InstructionDataOption {

    static final String DEFAULT = "instruction-data";

    private InstructionDataOption() {}

    /** The book's 85/10/5 split of the data. */
    static Splits<InstructionExample> splits(String data) {
        return InstructionData.split(InstructionData.parse(DataResolver.fromEnvironment().resolve(data)));
    }
}
