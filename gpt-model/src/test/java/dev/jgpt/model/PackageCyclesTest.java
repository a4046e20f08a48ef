package dev.jgpt.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of gpt-model depend on each other in one direction only: the imports and fully
 * qualified names of its main sources (comments aside) form no cycle.
 */
class PackageCyclesTest {

    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.jgpt\\.model(?:\\.[a-z]\\w*)*)\\.[A-Z]");

    /** Package -> the project packages it refers to. */
    static Map<String, Set<String>> graph() throws IOException {
        Path src = TestData.projectRoot().resolve("gpt-model/src/main/java");
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = src.relativize(f.getParent()).toString().replace('/', '.').replace('\\', '.');
                Set<String> deps = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
                String code = code(Files.readString(f));
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        deps.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    /**
     * {@code source} without its comments and with every string, text block and char literal
     * emptied, read in one pass (a "//" inside a URL string is not a comment, a quote inside a
     * comment opens no string), so only code is searched for references.
     */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c && source.charAt(i) != '\n') {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** A cycle through the graph, or an empty list. */
    static List<String> findCycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new TreeMap<>(); // 1 on the path, 2 done
        for (String start : graph.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            List<String> cycle = visit(start, graph, state, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> visit(String p, Map<String, Set<String>> graph, Map<String, Integer> state,
            Deque<String> path) {
        Integer s = state.get(p);
        if (s != null && s == 2) {
            return List.of();
        }
        path.addLast(p);
        if (s != null && s == 1) {
            List<String> all = new ArrayList<>(path);
            return all.subList(all.indexOf(p), all.size());
        }
        state.put(p, 1);
        for (String d : graph.getOrDefault(p, Set.of())) {
            List<String> c = visit(d, graph, state, path);
            if (!c.isEmpty()) {
                return c;
            }
        }
        state.put(p, 2);
        path.removeLast();
        return List.of();
    }

    @Test
    void gptModelsPackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = graph();
        assertThat(graph).containsKeys("dev.jgpt.model", "dev.jgpt.model.gpt2", "dev.jgpt.model.nn",
                "dev.jgpt.model.tokenizer");
        assertThat(findCycle(graph)).as("package cycle in %s", graph).isEmpty();
    }

    @Test
    void onlyCodeIsSearched() {
        String src = "String u = \"https://hub/dev.jgpt.model.io.X\"; // dev.jgpt.model.lora.Y \"\n"
                + "/* dev.jgpt.model.gpt2.Z */ char q = '\"'; dev.jgpt.model.nn.Linear l;\n"
                + "String t = \"\"\"\n dev.jgpt.model.hub.W \"\"\"; String e = \"a\\\"b\"; dev.jgpt.model.io.SafeTensors s;";
        String code = code(src);
        Matcher m = REFERENCE.matcher(code);
        List<String> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        assertThat(found).containsExactly("dev.jgpt.model.nn", "dev.jgpt.model.io");
    }

    @Test
    void theCheckCanFail() {
        Map<String, Set<String>> looped =
                new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")));
        assertThat(findCycle(looped)).containsExactly("a", "b", "c", "a");
    }
}
