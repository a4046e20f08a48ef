package dev.jgpt.model.jinja;

/**
 * One lexical token of a template: literal text, a tag delimiter, or a piece of an expression.
 *
 * @param kind what it is
 * @param text its text (a string literal's value, unescaped; a number's digits; an operator)
 * @param line the 1-based line where it starts
 * @param column the 1-based column where it starts
 */
record Token(Kind kind, String text, int line, int column) {

    /** The kinds of token. */
    enum Kind {
        /** Template text to output as is. */
        TEXT,
        /** {@code {{}}. */
        VARIABLE_BEGIN,
        /** {@code }}}. */
        VARIABLE_END,
        /** {@code {%}. */
        BLOCK_BEGIN,
        /** {@code %}}. */
        BLOCK_END,
        NAME,
        STRING,
        INTEGER,
        FLOAT,
        OPERATOR,
        EOF
    }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    boolean isOperator(String op) {
        return is(Kind.OPERATOR, op);
    }

    /** How an error message shows it. */
    String describe() {
        switch (kind) {
            case EOF:
                return "end of template";
            case TEXT:
                return "template data";
            case STRING:
                return "string";
            case VARIABLE_END:
            case BLOCK_END:
            case VARIABLE_BEGIN:
            case BLOCK_BEGIN:
                return "'" + text + "'";
            default:
                return "'" + text + "'";
        }
    }
}
