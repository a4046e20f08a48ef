package dev.jgpt.model.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.checkpoint.ModelFamilies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of what a downloaded model folder feeds the loaders: any bytes as a
 * safetensors file, any text as a {@code config.json} or as a sharded folder's {@code
 * model.safetensors.index.json} (beside two valid shards). The only outcomes allowed are a valid
 * result or a {@link CheckpointException}; any other exception, a hang or an allocation past the
 * file's own size fails the target. In the build the seeds under {@code
 * CheckpointFuzzTestInputs/} run as regression tests; {@code .ci/fuzz} fuzzes for a set time.
 */
class CheckpointFuzzTest {

    private static final Path DIR = TestData.scratchDir("jgpt-fuzz");

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void safetensors(byte[] data) throws IOException {
        Path file = DIR.resolve("model.safetensors");
        Files.write(file, data);
        try (SafeTensors st = SafeTensors.open(file)) {
            for (SafeTensors.TensorInfo t : st.tensors().values()) {
                try {
                    st.readFloats(t.name()); // bounded: every range was checked to lie in the file
                } catch (CheckpointException expected) {
                    // an integer dtype, or a tensor over 2 GB
                }
            }
        } catch (CheckpointException expected) {
            // the one way a bad file may fail
        }
    }

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void config(byte[] json) throws IOException {
        Path file = DIR.resolve("config.json");
        Files.write(file, json);
        try {
            ModelFamilies.readConfig(file).parameterCount();
        } catch (CheckpointException expected) {
            // the one way a bad config may fail
        }
    }

    private static final Path SHARDED = shardedFolder();

    /** Two valid shards, {@code a.safetensors} (tensors x, y) and {@code b.safetensors} (z). */
    private static Path shardedFolder() {
        Path dir = DIR.resolve("sharded");
        try {
            Files.createDirectories(dir);
            new SafeTensorsWriter().add("x", new long[] {2, 3}, new float[6], SafeTensorsWriter.DType.F32)
                    .add("y", new long[] {4}, new float[4], SafeTensorsWriter.DType.BF16).write(dir.resolve("a.safetensors"));
            new SafeTensorsWriter().add("z", new long[] {1, 2}, new float[2], SafeTensorsWriter.DType.F16)
                    .write(dir.resolve("b.safetensors"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void shardIndex(byte[] json) throws IOException {
        Files.write(SHARDED.resolve(SafeTensorsFolder.INDEX_FILE), json);
        try (SafeTensorsFolder folder = SafeTensorsFolder.open(SHARDED)) {
            for (String name : folder.tensors().keySet()) {
                folder.readFloats(name);
                folder.fileOf(name);
            }
            folder.valueCount();
        } catch (CheckpointException expected) {
            // the one way a bad index may fail
        }
    }
}
