package dev.jgpt.model.jinja;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A parsed Jinja template, rendered as HF's {@code apply_chat_template} renders chat templates
 * with Python jinja2: an immutable sandbox with {@code trim_blocks} and {@code lstrip_blocks},
 * {@code break}/{@code continue}, the globals {@code raise_exception}, {@code strftime_now},
 * {@code namespace}, {@code range} and {@code dict}, and HF's {@code tojson}. The language is the
 * subset chat templates use (see {@code docs/chat-templates.md}); anything else is a {@link
 * TemplateException} naming the line. Every render runs within its {@link Limits}.
 *
 * <pre>{@code
 * Template t = Template.parse("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
 * String text = t.render(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi"))));
 * }</pre>
 */
public final class Template {

    private final List<Node> body;
    private final Limits limits;

    private Template(List<Node> body, Limits limits) {
        this.body = body;
        this.limits = limits;
    }

    /** Parses {@code source} with the {@link Limits#DEFAULT} limits. */
    public static Template parse(String source) {
        return parse(source, Limits.DEFAULT);
    }

    /**
     * Parses {@code source}.
     *
     * @throws TemplateException for a syntax error, an unknown tag, filter or test
     */
    public static Template parse(String source, Limits limits) {
        try {
            return new Template(Parser.parse(source, limits), limits);
        } catch (StackOverflowError e) {
            throw new TemplateException("template nested too deeply", 0);
        }
    }

    /** Renders with {@code variables} (maps, lists, strings, numbers, booleans, null) and the system clock. */
    public String render(Map<String, ?> variables) {
        return render(variables, Clock.systemDefaultZone());
    }

    /**
     * Renders with {@code variables}; {@code strftime_now} reads {@code clock}.
     *
     * @throws TemplateException for any error of the template, or a limit reached
     */
    public String render(Map<String, ?> variables, Clock clock) {
        Budget budget = new Budget(limits);
        Scope globals = new Scope(null);
        Globals.install(globals, clock);
        Scope scope = new Scope(globals);
        for (Map.Entry<String, ?> e : variables.entrySet()) {
            scope.set(e.getKey(), Values.fromJava(e.getValue(), 0));
        }
        Renderer renderer = new Renderer(budget);
        try {
            return renderer.render(body, new Scope(scope));
        } catch (StackOverflowError e) {
            throw new TemplateException("template recursion too deep", 0);
        }
    }
}
