package dev.jgpt.datasets;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the data-set readers: any bytes as the SMS Spam Collection TSV or
 * the instruction JSON. The only outcomes allowed are parsed data or a {@link DatasetException}.
 * In the build the seeds under {@code DataFuzzTestInputs/} run as regression tests; {@code
 * .ci/fuzz} fuzzes for a set time.
 */
class DataFuzzTest {

    private static final Path DIR = TestData.scratchDir("jgpt-fuzz");

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void spamTsv(byte[] data) throws IOException {
        Path file = DIR.resolve("spam.tsv");
        Files.write(file, data);
        try {
            SpamData.load(file, 123);
        } catch (DatasetException expected) {
            // the one way bad data may fail
        }
    }

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void instructionJson(byte[] data) throws IOException {
        Path file = DIR.resolve("instructions.json");
        Files.write(file, data);
        try {
            InstructionData.split(InstructionData.parse(file));
        } catch (DatasetException expected) {
            // the one way bad data may fail
        }
    }
}
