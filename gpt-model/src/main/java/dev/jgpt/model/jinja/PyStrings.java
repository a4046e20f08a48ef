package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Python's {@code str} algorithms where Java's differ: splitting, stripping, casing, lines, format. */
final class PyStrings {

    private PyStrings() {}

    /** {@code s.split()} / {@code s.rsplit()}: runs of whitespace, at most {@code max} splits (-1: all). */
    static List<Object> splitWhitespace(String s, long max, boolean fromRight) {
        List<Object> out = new ArrayList<>();
        if (!fromRight) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && PyChars.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (max >= 0 && out.size() == max) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !PyChars.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        int i = s.length();
        while (true) {
            while (i > 0 && PyChars.isSpace(s.charAt(i - 1))) {
                i--;
            }
            if (i <= 0) {
                break;
            }
            if (max >= 0 && out.size() == max) {
                out.add(s.substring(0, i));
                break;
            }
            int j = i;
            while (j > 0 && !PyChars.isSpace(s.charAt(j - 1))) {
                j--;
            }
            out.add(s.substring(j, i));
            i = j;
        }
        Collections.reverse(out);
        return out;
    }

    /** {@code s.split(sep, max)} / {@code s.rsplit(sep, max)}. */
    static List<Object> split(String s, String sep, long max, boolean fromRight, int line) {
        if (sep.isEmpty()) {
            throw new TemplateException("empty separator", line);
        }
        List<Object> out = new ArrayList<>();
        if (!fromRight) {
            int start = 0;
            int i;
            while ((max < 0 || out.size() < max) && (i = s.indexOf(sep, start)) >= 0) {
                out.add(s.substring(start, i));
                start = i + sep.length();
            }
            out.add(s.substring(start));
            return out;
        }
        int end = s.length();
        int i;
        while ((max < 0 || out.size() < max) && end - sep.length() >= 0
                && (i = s.lastIndexOf(sep, end - sep.length())) >= 0) {
            out.add(s.substring(i + sep.length(), end));
            end = i;
        }
        out.add(s.substring(0, end));
        Collections.reverse(out);
        return out;
    }

    /** {@code s.strip(chars)} on the chosen sides; {@code chars} null: whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end && strippable(s.codePointAt(start), chars)) {
                start += Character.charCount(s.codePointAt(start));
            }
        }
        if (right) {
            while (end > start && strippable(s.codePointBefore(end), chars)) {
                end -= Character.charCount(s.codePointBefore(end));
            }
        }
        return s.substring(start, end);
    }

    private static boolean strippable(int c, String chars) {
        return chars == null ? PyChars.isSpace(c) : chars.indexOf(new String(Character.toChars(c))) >= 0;
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(Character.isUpperCase(c) ? lower(cp(c)) : Character.isLowerCase(c)
                ? upper(cp(c)) : cp(c)));
        return sb.toString();
    }

    private static String cp(int c) {
        return new String(Character.toChars(c));
    }

    private static boolean cased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    /** {@code str.title()}: a cased character after an uncased one is title-cased, the others lowered. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (cased(c)) {
                sb.append(previousCased ? lower(cp(c)) : titleCase(c));
                previousCased = true;
            } else {
                sb.appendCodePoint(c);
                previousCased = false;
            }
        }
        return sb.toString();
    }

    private static String titleCase(int c) {
        int t = Character.toTitleCase(c);
        return t != c || Character.isTitleCase(c) ? cp(t) : upper(cp(c));
    }

    /** {@code str.capitalize()}: the first character title-cased, the rest lowered. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int c = s.codePointAt(0);
        return titleCase(c) + lower(s.substring(Character.charCount(c)));
    }

    static boolean isCased(String s, boolean upper) {
        boolean any = false;
        for (int c : s.codePoints().toArray()) {
            if (upper ? Character.isLowerCase(c) || Character.isTitleCase(c) : Character.isUpperCase(c)
                    || Character.isTitleCase(c)) {
                return false;
            }
            any |= cased(c);
        }
        return any;
    }

    /** {@code s.replace(old, new, count)}, refusing a result past the output limit before building it. */
    static String replace(String s, String old, String replacement, long count, Budget budget, int line) {
        if (old.isEmpty()) {
            List<String> chars = Values.codePoints(s);
            long n = count < 0 ? chars.size() + 1 : Math.min(count, chars.size() + 1L);
            budget.string(s.length() + n * replacement.length(), line);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < chars.size(); i++) {
                if (i < n) {
                    sb.append(replacement);
                }
                sb.append(chars.get(i));
            }
            if (n > chars.size()) {
                sb.append(replacement);
            }
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder();
        int start = 0;
        long done = 0;
        int i;
        while ((count < 0 || done < count) && (i = s.indexOf(old, start)) >= 0) {
            sb.append(s, start, i).append(replacement);
            budget.string(sb.length(), line);
            start = i + old.length();
            done++;
        }
        sb.append(s, start, s.length());
        return sb.toString();
    }

    /** {@code s.splitlines(keepends)}, at Python's line boundaries. */
    static List<Object> splitlines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int eol;
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if ("\n\r\u000b\f\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                eol = 1;
            } else {
                i++;
                continue;
            }
            out.add(s.substring(start, keepEnds ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** A slice bound as Python normalizes it: {@code null} is the default, negatives count from the end. */
    static int sliceIndex(Object v, int n, int fallback, int line) {
        if (v == null) {
            return fallback;
        }
        long i = Methods.asLong(v, line);
        if (i < 0) {
            i += n;
        }
        return (int) Math.max(0, Math.min(n, i));
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code {{}} and {@code }}}; no format specs. */
    static String format(String s, Arguments a, Budget budget) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                sb.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) {
                    throw new TemplateException("Single '{' encountered in format string", a.line());
                }
                String field = s.substring(i + 1, end);
                Object v;
                if (field.isEmpty()) {
                    v = a.get(auto++, null, null);
                    if (auto > a.size()) {
                        throw new TemplateException("Replacement index " + (auto - 1) + " out of range", a.line());
                    }
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int k = Integer.parseInt(field);
                    if (k >= a.size()) {
                        throw new TemplateException("Replacement index " + k + " out of range", a.line());
                    }
                    v = a.positional().get(k);
                } else if (a.keywords().containsKey(field)) {
                    v = a.keywords().get(field);
                } else {
                    throw new TemplateException("format: unsupported or missing field '" + field + "'", a.line());
                }
                sb.append(Values.str(v));
                budget.string(sb.length(), a.line());
                i = end;
            } else if (c == '}') {
                throw new TemplateException("Single '}' encountered in format string", a.line());
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
