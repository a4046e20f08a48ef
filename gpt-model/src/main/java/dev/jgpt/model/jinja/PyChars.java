package dev.jgpt.model.jinja;

/** Python's idea of whitespace ({@code str.isspace}, regex {@code \s}), which Java's differs from. */
final class PyChars {

    private PyChars() {}

    /** Whether Python's {@code str.isspace()} holds for the code point. */
    static boolean isSpace(int c) {
        switch (c) {
            case ' ': case '\t': case '\n': case 0x0b: case 0x0c: case '\r':
            case 0x1c: case 0x1d: case 0x1e: case 0x1f: case 0x85: case 0xa0:
            case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
                return true;
            default:
                return c >= 0x2000 && c <= 0x200a;
        }
    }

    /** {@code s.rstrip()}. */
    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** {@code s.lstrip()}. */
    static String lstrip(String s) {
        int start = 0;
        while (start < s.length() && isSpace(s.charAt(start))) {
            start++;
        }
        return s.substring(start);
    }

    /** Whether every char from {@code from} on is whitespace (and there is at least one). */
    static boolean allSpaceFrom(String s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
