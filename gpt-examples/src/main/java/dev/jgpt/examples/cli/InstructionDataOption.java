package dev.jgpt.examples.cli;

import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.DataSource;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.Splits;
import java.nio.file.Paths;

/** Resolves {@code --data} for the instruction commands: a JSON file or 'instruction-data'. */
final class InstructionDataOption {

    static final String DEFAULT = "instruction-data";

    private InstructionDataOption() {}

    /** The book's 85/10/5 split of the data. */
    static Splits<InstructionExample> splits(String data) {
        DataResolver resolver = DataResolver.fromEnvironment();
        return InstructionData.split(InstructionData.parse(DEFAULT.equals(data)
                ? resolver.resolve(DataSource.INSTRUCTION_DATA)
                : resolver.resolve(DataSource.INSTRUCTION_DATA, Paths.get(data))));
    }
}
