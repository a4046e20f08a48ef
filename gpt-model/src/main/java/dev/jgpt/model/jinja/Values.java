package dev.jgpt.model.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's rules for the interpreter's values: {@code None} (null), {@code bool} (Boolean),
 * {@code int} (Long), {@code float} (Double), {@code str} (String), {@code list} (List),
 * {@code tuple} ({@link Tuple}), {@code dict} (Map), plus {@link Undefined}, {@link Namespace},
 * {@link LoopInfo} and {@link Callable}. Truthiness, {@code str()}, {@code repr()}, {@code ==},
 * ordering, {@code len()} and iteration, as Python has them.
 */
final class Values {

    /** Containers nested deeper than this are refused when printed or compared. */
    static final int MAX_NESTING = 256;

    private Values() {}

    /**
     * A caller's value as the sandbox sees it: Java numbers to Long or Double, collections and
     * arrays to lists, maps to dicts with their keys as they are, records to nothing: anything
     * else is refused.
     */
    static Object fromJava(Object v, int depth) {
        if (depth > MAX_NESTING) {
            throw new TemplateException("a variable is nested deeper than " + MAX_NESTING + " levels", 0);
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return Double.parseDouble(Float.toString(f));
        }
        if (v instanceof BigInteger b) {
            return b.longValueExact();
        }
        if (v instanceof BigDecimal b) {
            try {
                return b.longValueExact();
            } catch (ArithmeticException e) {
                return b.doubleValue();
            }
        }
        if (v instanceof Character c) {
            return c.toString();
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(fromJava(e.getKey(), depth + 1), fromJava(e.getValue(), depth + 1));
            }
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) {
                out.add(fromJava(o, depth + 1));
            }
            return out;
        }
        if (v instanceof Object[] a) {
            return fromJava(List.of(a), depth);
        }
        if (v instanceof Undefined || v instanceof Tuple || v instanceof Namespace || v instanceof Callable) {
            return v;
        }
        throw new TemplateException("a template variable cannot be a " + v.getClass().getSimpleName()
                + " (only maps, lists, strings, numbers, booleans and null)", 0);
    }

    /** Python's {@code bool(v)}. */
    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Tuple t) {
            return !t.items().isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python's type name of {@code v}. */
    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        if (v instanceof LoopInfo) {
            return "LoopContext";
        }
        return "function";
    }

    /** Python's {@code str(v)}; undefined is empty. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        write(v, sb, false, 0);
        return sb.toString();
    }

    /** Python's {@code repr(v)}. */
    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, true, 0);
        return sb.toString();
    }

    private static void write(Object v, StringBuilder sb, boolean repr, int depth) {
        if (depth > MAX_NESTING) {
            throw new TemplateException("a value is nested deeper than " + MAX_NESTING + " levels", 0);
        }
        if (v == null) {
            sb.append("None");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "True" : "False");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            sb.append(floatRepr(d));
        } else if (v instanceof String s) {
            if (repr) {
                stringRepr(s, sb);
            } else {
                sb.append(s);
            }
        } else if (v instanceof List<?> l) {
            sb.append('[');
            items(l, sb, depth);
            sb.append(']');
        } else if (v instanceof Tuple t) {
            sb.append('(');
            items(t.items(), sb, depth);
            sb.append(t.items().size() == 1 ? ",)" : ")");
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                write(e.getKey(), sb, true, depth + 1);
                sb.append(": ");
                write(e.getValue(), sb, true, depth + 1);
            }
            sb.append('}');
        } else if (v instanceof Undefined) {
            sb.append(repr ? "Undefined" : "");
        } else if (v instanceof Namespace n) {
            sb.append("<Namespace ");
            write(n.attributes, sb, true, depth + 1);
            sb.append('>');
        } else if (v instanceof LoopInfo l) {
            sb.append("<LoopContext ").append(l.index0() + 1).append('/').append(l.length()).append('>');
        } else if (v instanceof Callable c) {
            sb.append("<function ").append(c.name()).append('>');
        } else {
            sb.append(v);
        }
    }

    private static void items(List<?> l, StringBuilder sb, int depth) {
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            write(l.get(i), sb, true, depth + 1);
        }
    }

    /** Python's {@code repr(float)}: the shortest round-trip digits, {@code 1.0}, {@code 1e+16}, {@code 1e-05}. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mantissa = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
            int a = Math.abs(exp);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
        }
        String plain = bd.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    private static void stringRepr(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == quote || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (isPrintable(c)) {
                sb.appendCodePoint(c);
            } else if (c < 0x100) {
                sb.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.append(String.format("\\U%08x", c));
            }
        }
        sb.append(quote);
    }

    private static boolean isPrintable(int c) {
        if (c == ' ') {
            return true;
        }
        switch (Character.getType(c)) {
            case Character.CONTROL: case Character.FORMAT: case Character.SURROGATE: case Character.PRIVATE_USE:
            case Character.UNASSIGNED: case Character.LINE_SEPARATOR: case Character.PARAGRAPH_SEPARATOR:
            case Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }

    /** Whether {@code v} is a Python number (bool counts, as in Python). */
    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    /** A bool as 0 or 1; Long and Double as they are. */
    static Object numeric(Object v) {
        return v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v;
    }

    /** Python's {@code a == b}. */
    static boolean equal(Object a, Object b) {
        return equal(a, b, 0);
    }

    private static boolean equal(Object a, Object b, int depth) {
        if (depth > MAX_NESTING) {
            throw new TemplateException("a value is nested deeper than " + MAX_NESTING + " levels", 0);
        }
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            Object x = numeric(a);
            Object y = numeric(b);
            if (x instanceof Long l && y instanceof Long m) {
                return l.longValue() == m.longValue();
            }
            return ((Number) x).doubleValue() == ((Number) y).doubleValue();
        }
        if (a instanceof String s) {
            return s.equals(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> l && b instanceof List<?> m) {
            return equalItems(l, m, depth);
        }
        if (a instanceof Tuple t && b instanceof Tuple u) {
            return equalItems(t.items(), u.items(), depth);
        }
        if (a instanceof Map<?, ?> m && b instanceof Map<?, ?> n) {
            if (m.size() != n.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!n.containsKey(e.getKey()) || !equal(e.getValue(), n.get(e.getKey()), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean equalItems(List<?> l, List<?> m, int depth) {
        if (l.size() != m.size()) {
            return false;
        }
        for (int i = 0; i < l.size(); i++) {
            if (!equal(l.get(i), m.get(i), depth + 1)) {
                return false;
            }
        }
        return true;
    }

    /** Python's ordering of {@code a} and {@code b} for {@code op} ({@code <} and friends), or a TypeError. */
    static int compare(Object a, Object b, String op, int line) {
        if (isNumber(a) && isNumber(b)) {
            Object x = numeric(a);
            Object y = numeric(b);
            if (x instanceof Long l && y instanceof Long m) {
                return Long.compare(l, m);
            }
            return Double.compare(((Number) x).doubleValue(), ((Number) y).doubleValue());
        }
        if (a instanceof String s && b instanceof String t) {
            return compareCodePoints(s, t);
        }
        List<?> l = a instanceof List<?> x ? x : a instanceof Tuple t ? t.items() : null;
        List<?> m = b instanceof List<?> y ? y : b instanceof Tuple u ? u.items() : null;
        if (l != null && m != null && a.getClass() == b.getClass()) {
            for (int i = 0; i < Math.min(l.size(), m.size()); i++) {
                if (!equal(l.get(i), m.get(i))) {
                    return compare(l.get(i), m.get(i), op, line);
                }
            }
            return Integer.compare(l.size(), m.size());
        }
        if (a instanceof Undefined u) {
            throw u.error(line);
        }
        if (b instanceof Undefined u) {
            throw u.error(line);
        }
        throw new TemplateException("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'", line);
    }

    /** Strings in code point order, as Python compares them. */
    static int compareCodePoints(String s, String t) {
        int i = 0;
        int j = 0;
        while (i < s.length() && j < t.length()) {
            int c = s.codePointAt(i);
            int d = t.codePointAt(j);
            if (c != d) {
                return Integer.compare(c, d);
            }
            i += Character.charCount(c);
            j += Character.charCount(d);
        }
        return Integer.compare(s.length() - i, t.length() - j);
    }

    /** Python's {@code len(v)}; undefined has length 0. */
    static long length(Object v, int line) {
        if (v instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Tuple t) {
            return t.items().size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw new TemplateException("object of type '" + typeName(v) + "' has no len()", line);
    }

    /** The items iterating {@code v} gives: a list's items, a dict's keys, a string's characters. */
    static List<Object> iterate(Object v, int line) {
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Tuple t) {
            return new ArrayList<>(t.items());
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            return new ArrayList<>(codePoints(s));
        }
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        throw new TemplateException("'" + typeName(v) + "' object is not iterable", line);
    }

    /** The characters of {@code s}, one string per code point. */
    static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>();
        for (Iterator<Integer> it = s.codePoints().iterator(); it.hasNext(); ) {
            out.add(new String(Character.toChars(it.next())));
        }
        return out;
    }

    /** Whether a dict may have {@code key} as a key (Python: hashable). */
    static Object hashable(Object key, int line) {
        if (key == null || key instanceof String || key instanceof Long || key instanceof Double
                || key instanceof Boolean || key instanceof Tuple) {
            return key instanceof Boolean b ? (b ? 1L : 0L) : key;
        }
        throw new TemplateException("unhashable type: '" + typeName(key) + "'", line);
    }
}
