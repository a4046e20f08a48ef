package dev.jgpt.model.jinja;

import dev.jgpt.model.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Template source to tokens, with jinja2's whitespace rules as HF configures them: newlines
 * normalized to {@code \n} and one trailing newline dropped; {@code -} on a delimiter strips the
 * whitespace on that side; {@code trim_blocks} drops the first newline after a block or comment
 * tag (not after {@code }}}, not after {@code +%}}); {@code lstrip_blocks} drops spaces and tabs
 * between the start of a line and a block or comment tag (not before {@code {{}, not after
 * {@code {%+}). Comments are dropped and {@code raw} blocks become text here.
 */
final class Lexer {

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** Whether the last thing consumed ended with a newline (jinja2's {@code line_starting}). */
    private boolean lineStarting = true;
    /** Open brackets inside a tag: a {@code }}} among them closes a dict, not the tag. */
    private final StringBuilder brackets = new StringBuilder();

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1); // keep_trailing_newline=False
        }
        this.src = s;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The tokens of {@code source}, ending with {@link Kind#EOF}. */
    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTag(pos);
            if (tag < 0) {
                text(src.substring(pos), pos);
                pos = src.length();
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            boolean signed = sign == '-' || sign == '+';
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = PyChars.rstrip(text);
            } else if (sign != '+' && kind != '{') {
                text = lstripBlock(text);
            }
            text(text, pos);
            int after = tag + 2 + (signed ? 1 : 0);
            if (kind == '#') {
                comment(tag, after);
            } else if (kind == '%' && isRawBegin(after)) {
                raw(tag);
            } else {
                tag(tag, after, kind == '%');
            }
        }
        tokens.add(new Token(Kind.EOF, "", line(src.length()), column(src.length())));
    }

    /** The first {@code {{}, {@code {%} or {@code {#} from {@code from}, or -1. */
    private int nextTag(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** lstrip_blocks: the text without the whitespace between its last line start and the tag. */
    private String lstripBlock(String text) {
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && PyChars.allSpaceFrom(text, lineStart)) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private void text(String text, int at) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, text, line(at), column(at)));
        }
    }

    private void comment(int tag, int bodyStart) {
        int end = src.indexOf("#}", bodyStart);
        if (end < 0) {
            throw error("Missing end of comment tag", tag);
        }
        char sign = end - 1 >= bodyStart ? src.charAt(end - 1) : 0;
        pos = end + 2;
        closeTag(sign, true);
    }

    /** After a tag's end delimiter: {@code -} strips whitespace, trim_blocks one newline. */
    private void closeTag(char sign, boolean block) {
        int start = pos;
        if (sign == '-') {
            while (pos < src.length() && PyChars.isSpace(src.charAt(pos))) {
                pos++;
            }
        } else if (sign != '+' && block && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
        lineStarting = pos > start ? src.charAt(pos - 1) == '\n' : pos > 0 && src.charAt(pos - 1) == '\n';
    }

    private boolean isRawBegin(int from) {
        int i = skipSpace(from);
        if (!src.startsWith("raw", i)) {
            return false;
        }
        i = skipSpace(i + 3);
        return src.startsWith("%}", i) || src.startsWith("-%}", i);
    }

    private int skipSpace(int i) {
        while (i < src.length() && PyChars.isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    /** {@code {% raw %}...{% endraw %}}: the content is text, tags and all. */
    private void raw(int tag) {
        int i = skipSpace(src.indexOf("raw", tag) + 3);
        if (src.charAt(i) == '-') {
            pos = skipSpace(i + 3);
        } else {
            pos = i + 2; // no trim_blocks after {% raw %}, as in jinja2
        }
        int search = pos;
        while (true) {
            int end = src.indexOf("{%", search);
            if (end < 0) {
                throw error("Missing end of raw directive", tag);
            }
            char sign = end + 2 < src.length() ? src.charAt(end + 2) : 0;
            int j = skipSpace(end + 2 + (sign == '-' || sign == '+' ? 1 : 0));
            if (src.startsWith("endraw", j)) {
                int k = skipSpace(j + 6);
                char endSign = 0;
                if (src.startsWith("-%}", k) || src.startsWith("+%}", k)) {
                    endSign = src.charAt(k);
                    k++;
                }
                if (src.startsWith("%}", k)) {
                    String text = src.substring(pos, end);
                    if (sign == '-') {
                        text = PyChars.rstrip(text);
                    } else if (sign != '+') {
                        text = lstripBlock(text);
                    }
                    text(text, pos);
                    pos = k + 2;
                    closeTag(endSign, true);
                    return;
                }
            }
            search = end + 2;
        }
    }

    /** A {@code {{ ... }}} or {@code {% ... %}}: its delimiters and the expression tokens between. */
    private void tag(int tag, int after, boolean block) {
        tokens.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, block ? "{%" : "{{", line(tag),
                column(tag)));
        pos = after;
        String close = block ? "%}" : "}}";
        brackets.setLength(0);
        while (true) {
            pos = skipSpace(pos);
            if (pos >= src.length()) {
                throw error("unexpected end of template, expected '" + close + "'", tag);
            }
            if (brackets.length() == 0) {
                char sign = src.charAt(pos);
                boolean signed = sign == '-' || (block && sign == '+');
                if (src.startsWith(close, pos + (signed ? 1 : 0))) {
                    int at = pos;
                    pos += close.length() + (signed ? 1 : 0);
                    tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VARIABLE_END, close, line(at), column(at)));
                    closeTag(signed ? sign : 0, block);
                    return;
                }
            }
            expressionToken();
        }
    }

    private void expressionToken() {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isDigit(c)) {
            number();
        } else if (c == '_' || Character.isLetter(c)) {
            while (pos < src.length() && (src.charAt(pos) == '_' || Character.isLetterOrDigit(src.charAt(pos)))) {
                pos++;
            }
            tokens.add(new Token(Kind.NAME, src.substring(start, pos), line(start), column(start)));
        } else if (c == '\'' || c == '"') {
            string(c);
        } else {
            operator();
        }
    }

    private void number() {
        int start = pos;
        digits();
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            pos++;
            digits();
            isFloat = true;
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                digits();
                isFloat = true;
            } else {
                pos = save;
            }
        }
        String text = src.substring(start, pos).replace("_", "");
        tokens.add(new Token(isFloat ? Kind.FLOAT : Kind.INTEGER, text, line(start), column(start)));
    }

    private void digits() {
        while (pos < src.length() && (Character.isDigit(src.charAt(pos))
                || (src.charAt(pos) == '_' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))))) {
            pos++;
        }
    }

    private void string(char quote) {
        int start = pos;
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw error("unexpected end of string", start);
            }
            char c = src.charAt(pos);
            if (c == quote) {
                pos++;
                break;
            }
            if (c == '\\' && pos + 1 < src.length()) {
                pos = Escapes.unescape(src, pos, sb, line(pos));
            } else {
                sb.append(c);
                pos++;
            }
        }
        tokens.add(new Token(Kind.STRING, sb.toString(), line(start), column(start)));
    }

    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~",
        "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"};

    private void operator() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                if (op.equals("[") || op.equals("(") || op.equals("{")) {
                    brackets.append(op);
                } else if (op.equals("]") || op.equals(")") || op.equals("}")) {
                    String open = op.equals("]") ? "[" : op.equals(")") ? "(" : "{";
                    if (brackets.length() == 0 || brackets.charAt(brackets.length() - 1) != open.charAt(0)) {
                        throw error(brackets.length() == 0 ? "unexpected '" + op + "'"
                                : "unexpected '" + op + "', expected '" + closing(brackets.charAt(
                                        brackets.length() - 1)) + "'", pos);
                    }
                    brackets.setLength(brackets.length() - 1);
                }
                tokens.add(new Token(Kind.OPERATOR, op, line(pos), column(pos)));
                pos += op.length();
                return;
            }
        }
        throw error("unexpected char '" + new String(Character.toChars(src.codePointAt(pos))) + "'", pos);
    }

    private static char closing(char open) {
        return open == '[' ? ']' : open == '(' ? ')' : '}';
    }

    private TemplateException error(String message, int at) {
        return new TemplateException(message, line(at), column(at));
    }

    private int line(int at) {
        int i = java.util.Arrays.binarySearch(lineStarts, at);
        return (i >= 0 ? i : -i - 2) + 1;
    }

    private int column(int at) {
        return at - lineStarts[line(at) - 1] + 1;
    }
}
