package dev.jgpt.model.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code testdata/chat-templates/cases.json} (rendered by Python jinja2 as HF does,
 * see its README) renders to exactly jinja2's text, or fails where jinja2 failed, with a message
 * holding the case's {@code error_contains}.
 */
class ChatTemplateCasesTest {

    private static JsonObject cases() throws IOException {
        return JsonParser.parseString(Files.readString(TestData.fixture("chat-templates/cases.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void theCorpusIsWhatItsReadmeSays() throws IOException {
        JsonObject all = cases();
        assertThat(all.get("jinja2_version").getAsString()).isEqualTo("3.1.6");
        assertThat(all.getAsJsonArray("cases")).hasSizeGreaterThan(200);
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRendersAsJinja2() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : cases().getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> check(c)));
        }
        return tests.stream();
    }

    private static void check(JsonObject c) throws IOException {
        String source = c.has("template_file") ? templateOf(c.get("template_file").getAsString())
                : c.get("template").getAsString();
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) dev.jgpt.model.generate.ChatFormat.javaValue(c.get("variables"));
        if (c.has("text")) {
            String actual;
            try {
                actual = Template.parse(source).render(vars);
            } catch (TemplateException ex) {
                throw new AssertionError("jinja2 rendered " + quote(c.get("text").getAsString())
                        + " but this failed: " + ex.getMessage(), ex);
            }
            assertSameText(c.get("text").getAsString(), actual);
        } else {
            String contains = c.get("error_contains").getAsString();
            try {
                String actual = Template.parse(source).render(vars);
                fail("jinja2 failed with '%s' but this rendered %s", c.get("jinja2_error").getAsString(),
                        quote(actual));
            } catch (TemplateException ex) {
                assertThat(ex.getMessage()).as("jinja2: " + c.get("jinja2_error").getAsString()).contains(contains);
            }
        }
    }

    private static String templateOf(String file) throws IOException {
        return JsonParser.parseString(Files.readString(TestData.fixture(file), StandardCharsets.UTF_8))
                .getAsJsonObject().get("chat_template").getAsString();
    }

    /** Equal text, or a failure showing where they part, escaped so that whitespace shows. */
    static void assertSameText(String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        int i = 0;
        while (i < Math.min(expected.length(), actual.length()) && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 30);
        throw new AssertionError("rendered text differs from jinja2's at char " + i + "\n  jinja2: ..."
                + quote(expected.substring(from, Math.min(expected.length(), i + 40))) + "\n  ours:   ..."
                + quote(actual.substring(from, Math.min(actual.length(), i + 40))) + "\n  whole jinja2: "
                + quote(expected) + "\n  whole ours:   " + quote(actual));
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
                + "\"";
    }

    @Test
    void aMismatchIsReportedWithWhereItDiffers() {
        try {
            assertSameText("a\nb", "a b");
        } catch (AssertionError e) {
            assertThat(e.getMessage()).contains("at char 1").contains("\"a\\nb\"").contains("\"a b\"");
            return;
        }
        fail("no failure for different texts");
    }
}
