package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generation, training, LoRA, checkpoints, the classifier and the server work for every family:
 * their code names no GPT-2 class. Only the family registry ({@code checkpoint/ModelFamilies})
 * may, to register GPT-2.
 */
class FamilyNeutralTest {

    private static final Pattern GPT2_NAME = Pattern.compile(
            "\\bdev\\.jgpt\\.model\\.gpt2\\b|\\b(GptModel|GptConfig|TransformerBlock|CausalSelfAttention"
                    + "|Gpt2Checkpoint|Gpt2Family)\\b");
    static boolean namesGpt2(String source) {
        return GPT2_NAME.matcher(PackageCyclesTest.code(source)).find(); // code only: no comments or strings
    }

    @Test
    void familyNeutralCodeNamesNoGpt2Class() throws IOException {
        Path root = TestData.projectRoot();
        List<Path> dirs = List.of(
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/generate"),
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/lora"),
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/checkpoint"),
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/nn"),
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/tokenizer"),
                root.resolve("gpt-training/src/main/java"),
                root.resolve("gpt-examples/src/main/java/dev/jgpt/examples/serve"));
        List<Path> files = new ArrayList<>(List.of(
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/LanguageModel.java"),
                root.resolve("gpt-model/src/main/java/dev/jgpt/model/TextClassifier.java")));
        for (Path dir : dirs) {
            assertThat(dir).isDirectory();
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        List<String> offenders = new ArrayList<>();
        for (Path file : files) {
            if (file.endsWith("checkpoint/ModelFamilies.java")) {
                continue; // the registry registers GPT-2
            }
            if (namesGpt2(Files.readString(file))) {
                offenders.add(root.relativize(file).toString());
            }
        }
        assertThat(files).hasSizeGreaterThan(40);
        assertThat(offenders).as("files naming a GPT-2 class").isEmpty();
    }

    @Test
    void thePatternCatchesAGpt2Name() {
        assertThat(namesGpt2("import dev.jgpt.model.gpt2.GptModel;")).isTrue();
        assertThat(namesGpt2("GptConfig c = null;")).isTrue();
        assertThat(namesGpt2("/** like {@code gpt2.GptModel} */ class A {}")).isFalse();
        assertThat(namesGpt2("CausalLm m = null; // not a GptModel")).isFalse();
    }
}
