package dev.jgpt.model.jinja;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing of what a downloaded model folder feeds the chat-template interpreter:
 * any text as a template, parsed and rendered over a fixed conversation. The only outcomes
 * allowed are text or a {@link TemplateException}; any other exception, a hang or an
 * out-of-memory fails the target. In the build the seeds under {@code ChatTemplateFuzzTestInputs/}
 * run as regression tests; {@code .ci/fuzz} fuzzes for a set time.
 */
class ChatTemplateFuzzTest {

    /** Tighter than the defaults, so that each input stays fast. */
    private static final Limits LIMITS = new Limits(200_000, 64, 1 << 20);

    private static final Map<String, Object> VARIABLES = Map.of(
            "messages", List.of(
                    Map.of("role", "system", "content", "Be brief."),
                    Map.of("role", "user", "content", "Hi <tool_response>x</tool_response>"),
                    Map.of("role", "assistant", "content", "<think>\nhm\n</think>\n\nHello 🎉",
                            "tool_calls", List.of(Map.of("function", Map.of("name", "f", "arguments",
                                    Map.of("a", 1))))),
                    Map.of("role", "user", "content", "Again")),
            "add_generation_prompt", true,
            "bos_token", "<s>",
            "eos_token", "</s>",
            "enable_thinking", false);

    @FuzzTest(maxDuration = "150s") // the fuzzing time per target in .ci/fuzz
    void render(byte[] data) {
        String source = new String(data, StandardCharsets.UTF_8);
        try {
            Template.parse(source, LIMITS).render(VARIABLES);
        } catch (TemplateException expected) {
            // the one way a bad template may fail
        }
    }
}
