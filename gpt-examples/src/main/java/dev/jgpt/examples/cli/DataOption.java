package dev.jgpt.examples.cli;

import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.Splits;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --data}, shared by the commands that read a data set: a name the jar bundles or a path,
 * resolved by the library ({@link DataResolver#resolve(String)}). Each command's default comes
 * from its {@link BookDefaults}.
 */
final class DataOption {

    @Option(names = "--data",
            description = "A data file (for pretrain also a folder of .txt files), or a data set bundled in the jar:"
                    + " the-verdict, sms-spam-collection (spam), instruction-data (instructions)"
                    + " (default: ${DEFAULT-VALUE}).")
    String data;

    /** The file or folder it names. */
    Path resolve() {
        return DataResolver.fromEnvironment().resolve(data);
    }

    /** Instruction data, split as the book does (85/10/5, in file order). */
    Splits<InstructionExample> instructionSplits() {
        return InstructionData.split(InstructionData.parse(resolve()));
    }
}
