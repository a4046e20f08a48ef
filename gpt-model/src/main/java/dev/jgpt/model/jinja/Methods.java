package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Python methods templates call on values: {@code str}'s ({@code startswith}, {@code split},
 * {@code strip}, ...), {@code dict}'s ({@code items}, {@code get}, ...) and {@code list}'s
 * non-mutating ones. The mutating ones exist but refuse, as in HF's immutable sandbox.
 */
final class Methods {

    private static final Set<String> STR = Set.of("startswith", "endswith", "split", "rsplit", "strip", "lstrip",
            "rstrip", "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "index", "count", "join",
            "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "format", "swapcase",
            "zfill", "removeprefix", "removesuffix");
    private static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    private static final Set<String> DICT_MUTATING = Set.of("update", "pop", "popitem", "setdefault", "clear");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_MUTATING = Set.of("append", "extend", "insert", "pop", "remove",
            "reverse", "sort", "clear");

    private final Budget budget;

    Methods(Budget budget) {
        this.budget = budget;
    }

    /** {@code value.name} as a bound method, or {@code null} if {@code value}'s type has no such method. */
    Callable lookup(Object value, String name) {
        boolean known = value instanceof String ? STR.contains(name)
                : value instanceof Map ? DICT.contains(name) || DICT_MUTATING.contains(name)
                : value instanceof List ? LIST.contains(name) || LIST_MUTATING.contains(name)
                : value instanceof Tuple && (name.equals("index") || name.equals("count"));
        if (!known) {
            return null;
        }
        return new Callable() {
            @Override
            public Object call(Arguments args) {
                return invoke(value, name, args);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private Object invoke(Object self, String name, Arguments a) {
        if ((self instanceof Map && DICT_MUTATING.contains(name)) || (self instanceof List
                && LIST_MUTATING.contains(name))) {
            throw new TemplateException("access to attribute '" + name + "' of '" + Values.typeName(self)
                    + "' object is unsafe.", a.line());
        }
        if (self instanceof String s) {
            return str(s, name, a);
        }
        if (self instanceof Map<?, ?> m) {
            return dict(m, name, a);
        }
        List<Object> items = Values.iterate(self, a.line());
        Object x = a.require(0, "value", name);
        switch (name) {
            case "count": {
                long n = 0;
                for (Object o : items) {
                    n += Values.equal(o, x) ? 1 : 0;
                }
                return n;
            }
            case "index":
                for (int i = 0; i < items.size(); i++) {
                    if (Values.equal(items.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new TemplateException(Values.repr(x) + " is not in list", a.line());
            default:
                return new ArrayList<>(items);
        }
    }

    private Object dict(Map<?, ?> m, String name, Arguments a) {
        switch (name) {
            case "items": {
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    out.add(new Tuple(java.util.Arrays.asList(e.getKey(), e.getValue())));
                }
                return out;
            }
            case "keys":
                return new ArrayList<Object>(m.keySet());
            case "values":
                return new ArrayList<Object>(m.values());
            case "get": {
                Object key = a.require(0, "key", "get");
                Object fallback = a.get(1, "default", null);
                return m.containsKey(key) ? m.get(key) : fallback;
            }
            default:
                return new java.util.LinkedHashMap<Object, Object>(m);
        }
    }

    private Object str(String s, String name, Arguments a) {
        int line = a.line();
        switch (name) {
            case "startswith":
            case "endswith":
                return affix(s, name.equals("startswith"), a);
            case "split":
            case "rsplit": {
                Object sep = a.get(0, "sep", null);
                long max = asLong(a.get(1, "maxsplit", -1L), line);
                List<Object> parts = sep == null ? PyStrings.splitWhitespace(s, max, name.equals("rsplit"))
                        : PyStrings.split(s, string(sep, line), max, name.equals("rsplit"), line);
                budget.steps(parts.size(), line);
                return parts;
            }
            case "strip": return PyStrings.strip(s, chars(a), true, true);
            case "lstrip": return PyStrings.strip(s, chars(a), true, false);
            case "rstrip": return PyStrings.strip(s, chars(a), false, true);
            case "upper": return PyStrings.upper(s);
            case "lower": return PyStrings.lower(s);
            case "swapcase": return PyStrings.swapcase(s);
            case "title": return PyStrings.title(s);
            case "capitalize": return PyStrings.capitalize(s);
            case "replace":
                return PyStrings.replace(s, string(a.require(0, "old", name), line),
                        string(a.require(1, "new", name), line), asLong(a.get(2, "count", -1L), line), budget, line);
            case "find":
            case "rfind":
            case "index": {
                String sub = string(a.require(0, "sub", name), line);
                int i = name.equals("rfind") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (i < 0 && name.equals("index")) {
                    throw new TemplateException("substring not found", line);
                }
                return i < 0 ? -1L : (long) s.codePointCount(0, i);
            }
            case "count": {
                String sub = string(a.require(0, "sub", name), line);
                if (sub.isEmpty()) {
                    return (long) s.codePointCount(0, s.length()) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            }
            case "join": {
                StringBuilder sb = new StringBuilder();
                List<Object> items = Values.iterate(a.require(0, "iterable", name), line);
                for (int i = 0; i < items.size(); i++) {
                    if (!(items.get(i) instanceof String item)) {
                        throw new TemplateException("sequence item " + i + ": expected str instance, "
                                + Values.typeName(items.get(i)) + " found", line);
                    }
                    if (i > 0) {
                        sb.append(s);
                    }
                    sb.append(item);
                    budget.string(sb.length(), line);
                }
                return sb.toString();
            }
            case "splitlines":
                return PyStrings.splitlines(s, Values.truthy(a.get(0, "keepends", false)));
            case "isdigit": return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum": return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace": return !s.isEmpty() && s.codePoints().allMatch(PyChars::isSpace);
            case "isupper": return PyStrings.isCased(s, true);
            case "islower": return PyStrings.isCased(s, false);
            case "zfill": {
                long width = asLong(a.require(0, "width", name), line);
                int n = s.codePointCount(0, s.length());
                if (width <= n) {
                    return s;
                }
                budget.string(width, line);
                String zeros = "0".repeat((int) (width - n));
                return !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+') ? s.charAt(0) + zeros
                        + s.substring(1) : zeros + s;
            }
            case "removeprefix": {
                String p = string(a.require(0, "prefix", name), line);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix": {
                String p = string(a.require(0, "suffix", name), line);
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            case "format":
                return PyStrings.format(s, a, budget);
            default:
                throw new IllegalStateException(name);
        }
    }

    private static Object affix(String s, boolean start, Arguments a) {
        Object arg = a.require(0, start ? "prefix" : "suffix", start ? "startswith" : "endswith");
        List<String> options = new ArrayList<>();
        if (arg instanceof Tuple t) {
            for (Object o : t.items()) {
                options.add(string(o, a.line()));
            }
        } else if (arg instanceof String p) {
            options.add(p);
        } else {
            throw new TemplateException((start ? "startswith" : "endswith") + " first arg must be str or a tuple of"
                    + " str, not " + Values.typeName(arg), a.line());
        }
        List<String> chars = Values.codePoints(s);
        int n = chars.size();
        int from = PyStrings.sliceIndex(a.get(1, "start", null), n, 0, a.line());
        int to = PyStrings.sliceIndex(a.get(2, "end", null), n, n, a.line());
        String sub = from > to ? null : String.join("", chars.subList(from, to));
        for (String p : options) {
            if (sub != null && (start ? sub.startsWith(p) : sub.endsWith(p))) {
                return true;
            }
        }
        return false;
    }

    private static String chars(Arguments a) {
        Object c = a.get(0, "chars", null);
        return c == null ? null : string(c, a.line());
    }

    static String string(Object v, int line) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.error(line);
        }
        throw new TemplateException("must be str, not " + Values.typeName(v), line);
    }

    static long asLong(Object v, int line) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Undefined u) {
            throw u.error(line);
        }
        throw new TemplateException("'" + Values.typeName(v) + "' object cannot be interpreted as an integer", line);
    }
}
