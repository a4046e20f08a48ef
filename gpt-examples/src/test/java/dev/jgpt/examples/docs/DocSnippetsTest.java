package dev.jgpt.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every java block in README.md and docs/ is a region of {@link DocSnippets}, which compiles
 * against the library: the documentation cannot show code that does not build. The quick
 * snippets also run, on the tiny GPT-2 fixture.
 */
class DocSnippetsTest {

    private static final String MARKER = "<!-- snippet:";

    @TempDir Path tmp;

    /** NAME -> the region's lines, dedented. */
    private static Map<String, String> regions() throws IOException {
        Path source = TestData.projectRoot()
                .resolve("gpt-examples/src/test/java/dev/jgpt/examples/docs/DocSnippets.java");
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(source);
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.startsWith("// snippet:")) {
                String name = t.substring("// snippet:".length()).strip();
                List<String> body = new ArrayList<>();
                int j = i + 1;
                while (!lines.get(j).strip().equals("// end-snippet")) {
                    body.add(lines.get(j));
                    j++;
                }
                out.put(name, dedent(body));
                i = j;
            }
        }
        return out;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    /** Every java block of the docs: (file, marker name or null, text). */
    private record Block(Path file, String name, String text) {}

    private static List<Block> blocks() throws IOException {
        Path root = TestData.projectRoot();
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Block> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("```java")) {
                    String prev = i > 0 ? lines.get(i - 1).strip() : "";
                    String name = prev.startsWith(MARKER) && prev.endsWith("-->")
                            ? prev.substring(MARKER.length(), prev.length() - 3).strip() : null;
                    StringBuilder sb = new StringBuilder();
                    int j = i + 1;
                    while (!lines.get(j).strip().equals("```")) {
                        sb.append(lines.get(j)).append('\n');
                        j++;
                    }
                    out.add(new Block(f, name, sb.toString()));
                    i = j;
                }
            }
        }
        return out;
    }

    @Test
    void everyJavaBlockInTheDocsIsACompiledSnippet() throws IOException {
        Map<String, String> regions = regions();
        List<Block> blocks = blocks();
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(5);
        for (Block b : blocks) {
            assertThat(b.name()).as("the java block in %s needs a <!-- snippet:NAME --> line before it", b.file())
                    .isNotNull();
            assertThat(regions).as("snippet %s of %s", b.name(), b.file()).containsKey(b.name());
            assertThat(b.text()).as("%s: snippet %s differs from DocSnippets.java", b.file(), b.name())
                    .isEqualTo(regions.get(b.name()));
        }
        assertThat(blocks.stream().map(Block::name).distinct().toList())
                .as("every region of DocSnippets.java is shown somewhere")
                .containsExactlyInAnyOrderElementsOf(regions.keySet());
    }

    @Test
    void theQuickSnippetsRunOnTheFixture() throws Exception {
        Path gpt2 = TestData.fixture("tiny-gpt2");
        DocSnippets.readme(gpt2);
        DocSnippets.families(gpt2);
        DocSnippets.generation(gpt2, tmp);
        assertThat(tmp.resolve("ckpt").resolve("config.json")).exists();
        List<String> batched = DocSnippets.batching(gpt2);
        try (dev.jgpt.model.LanguageModel lm = dev.jgpt.model.LanguageModel.load(gpt2);
                dev.jgpt.model.tokenizer.Tokenizer tok = dev.jgpt.model.tokenizer.Tokenizers.forModel(gpt2)) {
            dev.jgpt.model.generate.SamplingConfig greedy =
                    dev.jgpt.model.generate.SamplingConfig.greedy(20).withEndIdsOf(tok);
            assertThat(batched.get(0)).isEqualTo(new dev.jgpt.model.generate.TextGenerator(lm, tok)
                    .generate("Every effort moves you", greedy, null));
        }
        DocSnippets.pretraining(tmp);
        DocSnippets.datasets();
        assertThat(DocSnippets.chatTemplate(TestData.modelFolder("qwen3-tiny", tmp))).isEqualTo(
                "<|im_start|>system\nYou are concise.<|im_end|>\n<|im_start|>user\nName a colour.<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }
}
