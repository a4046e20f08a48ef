package dev.jgpt.model.jinja;

/** Backslash escapes in string literals, as Python's {@code unicode-escape} codec reads them (jinja2 uses it). */
final class Escapes {

    private Escapes() {}

    /**
     * Appends the escape starting at the backslash {@code at} to {@code out}; returns the index after it.
     * An unknown escape is kept as written, backslash and all, as Python does.
     */
    static int unescape(String s, int at, StringBuilder out, int line) {
        char c = s.charAt(at + 1);
        switch (c) {
            case 'n': out.append('\n'); return at + 2;
            case 't': out.append('\t'); return at + 2;
            case 'r': out.append('\r'); return at + 2;
            case '\\': out.append('\\'); return at + 2;
            case '\'': out.append('\''); return at + 2;
            case '"': out.append('"'); return at + 2;
            case 'a': out.append('\u0007'); return at + 2;
            case 'b': out.append('\b'); return at + 2;
            case 'f': out.append('\f'); return at + 2;
            case 'v': out.append('\u000b'); return at + 2;
            case '\n': return at + 2; // a line continuation
            case 'x': return hex(s, at, 2, out, line);
            case 'u': return hex(s, at, 4, out, line);
            case 'U': return hex(s, at, 8, out, line);
            default:
                if (c >= '0' && c <= '7') {
                    int end = at + 1;
                    int v = 0;
                    while (end < s.length() && end < at + 4 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                        v = v * 8 + (s.charAt(end) - '0');
                        end++;
                    }
                    out.append((char) v);
                    return end;
                }
                out.append('\\').append(c);
                return at + 2;
        }
    }

    private static int hex(String s, int at, int digits, StringBuilder out, int line) {
        int start = at + 2;
        if (start + digits > s.length()) {
            throw new TemplateException("truncated \\" + s.charAt(at + 1) + " escape in a string", line);
        }
        try {
            int cp = Integer.parseUnsignedInt(s.substring(start, start + digits), 16);
            out.appendCodePoint(cp);
        } catch (IllegalArgumentException e) {
            throw new TemplateException("malformed \\" + s.charAt(at + 1) + " escape in a string", line);
        }
        return start + digits;
    }
}
