package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code gpt-model} and {@code gpt-training} must compile against {@code ai.djl:api} alone. */
class EngineAgnosticTest {

    private static final Pattern ENGINE_IMPORT =
            Pattern.compile(
                    "^\\s*import\\s+(static\\s+)?ai\\.djl\\.(pytorch|mxnet|tensorflow|onnxruntime"
                            + "|tflite|paddlepaddle|ml\\.lightgbm|ml\\.xgboost|llama|fasttext|sentencepiece)\\.",
                    Pattern.MULTILINE);

    @Test
    void noEngineImportsInTheEngineAgnosticModules() throws IOException {
        Path root = TestData.projectRoot();
        int scanned = 0;
        for (String module : List.of("gpt-model", "gpt-training")) {
            Path src = root.resolve(module).resolve("src/main/java");
            assertThat(src).isDirectory();
            List<Path> files;
            try (Stream<Path> walk = Files.walk(src)) {
                files = walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
            }
            for (Path file : files) {
                String text = Files.readString(file);
                assertThat(ENGINE_IMPORT.matcher(text).find())
                        .as("%s imports an engine package", root.relativize(file))
                        .isFalse();
                scanned++;
            }
        }
        assertThat(scanned).as("java files scanned").isGreaterThan(10);
    }

    @Test
    void thePatternCatchesAnEngineImport() {
        assertThat(ENGINE_IMPORT.matcher("package x;\nimport ai.djl.pytorch.engine.PtNDArray;\n").find())
                .isTrue();
        assertThat(ENGINE_IMPORT.matcher("import ai.djl.ndarray.NDArray;\n").find()).isFalse();
    }
}
