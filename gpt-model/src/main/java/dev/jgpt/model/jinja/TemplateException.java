package dev.jgpt.model.jinja;

/**
 * Any failure to parse or render a chat template: a syntax error, an unknown filter, test or tag,
 * a type error, a {@code raise_exception(...)} call of the template itself, or a limit of the
 * sandbox ({@link Limits}) reached. The message names the template line (and column where known);
 * a template's own {@code raise_exception} message is given verbatim.
 */
public final class TemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;
    private final String detail;
    private final boolean raised;

    private TemplateException(String detail, int line, int column, boolean raised) {
        super(raised ? detail : where(line, column) + detail);
        this.detail = detail;
        this.line = line;
        this.column = column;
        this.raised = raised;
    }

    /** An error at {@code line} (1-based; 0 when unknown) and {@code column} (0 when unknown). */
    public TemplateException(String detail, int line, int column) {
        this(detail, line, column, false);
    }

    /** An error at {@code line}. */
    public TemplateException(String detail, int line) {
        this(detail, line, 0, false);
    }

    /** What the template's own {@code raise_exception(message)} raised at {@code line}. */
    static TemplateException raisedByTemplate(String message, int line) {
        return new TemplateException(message, line, 0, true);
    }

    /** The same error placed at {@code line}, if it had no line yet. */
    TemplateException at(int newLine) {
        return line > 0 || newLine <= 0 ? this : new TemplateException(detail, newLine, column, raised);
    }

    private static String where(int line, int column) {
        if (line <= 0) {
            return "Chat template: ";
        }
        return "Chat template line " + line + (column > 0 ? ", column " + column : "") + ": ";
    }

    /** The 1-based template line, 0 when unknown. */
    public int line() {
        return line;
    }

    /** The 1-based column, 0 when unknown. */
    public int column() {
        return column;
    }

    /** The message without the position. */
    public String detail() {
        return detail;
    }

    /** Whether the template itself raised this through {@code raise_exception}. */
    public boolean raisedByTemplate() {
        return raised;
    }
}
