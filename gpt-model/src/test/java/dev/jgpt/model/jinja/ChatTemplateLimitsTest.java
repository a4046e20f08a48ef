package dev.jgpt.model.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile templates end quickly in a {@link TemplateException} that says which limit, and where. */
@Timeout(20)
class ChatTemplateLimitsTest {

    private static String render(String source) {
        return Template.parse(source).render(Map.of());
    }

    @Test
    void aHugeRangeIsRefusedAsJinja2sSandboxRefusesIt() {
        assertThatThrownBy(() -> render("{% for i in range(100000000) %}x{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("Range too big");
    }

    @Test
    void nestedLoopsRunOutOfSteps() {
        assertThatThrownBy(() -> render("{% for i in range(100000) %}{% for j in range(100000) %}"
                + "{% endfor %}{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("steps").hasMessageContaining("line 1");
    }

    @Test
    void hugeOutputIsRefused() {
        assertThatThrownBy(() -> render("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> render("{{ 'x' * 1000000000000 }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("longer than");
    }

    @Test
    void quadraticStringGrowthRunsOutOfSteps() {
        assertThatThrownBy(() -> render("{% set ns = namespace(s='') %}{% for i in range(100000) %}"
                + "{% for j in range(100) %}{% set ns.s = ns.s ~ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}"
                + "{% endfor %}{% endfor %}"))
                .isInstanceOf(TemplateException.class);
    }

    @Test
    void deepNestingIsASyntaxErrorNotAStackOverflow() {
        String ifs = "{% if true %}".repeat(300) + "x" + "{% endif %}".repeat(300);
        assertThatThrownBy(() -> render(ifs)).isInstanceOf(TemplateException.class)
                .hasMessageContaining("nested deeper than 256");
        String parens = "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}";
        assertThatThrownBy(() -> render(parens)).isInstanceOf(TemplateException.class)
                .hasMessageContaining("nested deeper than 256");
    }

    @Test
    void endlessMacroRecursionIsRefused() {
        assertThatThrownBy(() -> render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("macro calls nested deeper than 256");
    }

    @Test
    void deeplyNestedValuesAreRefusedWhenPrinted() {
        assertThatThrownBy(() -> render("{% set ns = namespace(x=[]) %}{% for i in range(5000) %}"
                + "{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("nested deeper than 256");
    }

    @Test
    void anUnknownFilterIsNamedWithItsLine() {
        assertThatThrownBy(() -> render("a\nb\n{{ messages | frobnicate }}"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("No filter named 'frobnicate'")
                .hasMessageContaining("line 3")
                .satisfies(e -> assertThat(((TemplateException) e).line()).isEqualTo(3));
    }

    @Test
    void raiseExceptionIsVerbatim() {
        assertThatThrownBy(() -> render("\n{{ raise_exception('Only user and assistant roles are supported!') }}"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("Only user and assistant roles are supported!")
                .satisfies(e -> assertThat(((TemplateException) e).raisedByTemplate()).isTrue())
                .satisfies(e -> assertThat(((TemplateException) e).line()).isEqualTo(2));
    }

    @Test
    void javaObjectsAreNotVisible() {
        assertThatThrownBy(() -> Template.parse("{{ x }}").render(Map.of("x", new Object())))
                .isInstanceOf(TemplateException.class).hasMessageContaining("cannot be a Object");
        assertThat(Template.parse("{{ x.getClass }}|{{ s.getBytes }}|{{ s.__class__ }}")
                .render(Map.of("x", Map.of(), "s", "str"))).isEqualTo("||");
    }

    @Test
    void strftimeNowReadsTheClock() {
        java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2025-07-04T09:05:06Z"),
                java.time.ZoneOffset.UTC);
        assertThat(Template.parse("{{ strftime_now('%d %b %Y %H:%M:%S %A %B %j %I%p %%') }}").render(Map.of(), clock))
                .isEqualTo("04 Jul 2025 09:05:06 Friday July 185 09AM %");
    }
}
