package dev.jgpt.model.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** jinja2's built-in filters that chat templates use, and HF's {@code tojson}; each as jinja2 3.1 defines it. */
final class Filters {

    private static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "indent", "int", "items", "join", "last",
            "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
            "safe", "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper",
            "wordcount");

    private final Evaluator evaluator;
    private final Budget budget;

    Filters(Evaluator evaluator, Budget budget) {
        this.evaluator = evaluator;
        this.budget = budget;
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    /** {@code value | name(args)}. */
    Object apply(String name, Object value, Arguments a) {
        int line = a.line();
        switch (name) {
            case "default":
            case "d": {
                Object fallback = a.get(0, "default_value", "");
                boolean bool = Values.truthy(a.get(1, "boolean", false));
                return value instanceof Undefined || bool && !Values.truthy(value) ? fallback : value;
            }
            case "length":
            case "count":
                return Values.length(value, line);
            case "string":
            case "safe":
                return Values.str(value);
            case "upper": return PyStrings.upper(Values.str(value));
            case "lower": return PyStrings.lower(Values.str(value));
            case "capitalize": return PyStrings.capitalize(Values.str(value));
            case "title": return title(Values.str(value));
            case "trim": {
                Object chars = a.get(0, "chars", null);
                return PyStrings.strip(Values.str(value), chars == null ? null : Methods.string(chars, line), true,
                        true);
            }
            case "replace": {
                Object count = a.get(2, "count", null);
                return PyStrings.replace(Values.str(value), Values.str(a.require(0, "old", name)),
                        Values.str(a.require(1, "new", name)), count == null ? -1 : Methods.asLong(count, line),
                        budget, line);
            }
            case "e":
            case "escape":
            case "forceescape":
                return escape(Values.str(value));
            case "first": {
                List<Object> items = Values.iterate(value, line);
                return items.isEmpty() ? Undefined.because("No first item, sequence was empty.") : items.get(0);
            }
            case "last": {
                List<Object> items = Values.iterate(value, line);
                return items.isEmpty() ? Undefined.because("No last item, sequence was empty.")
                        : items.get(items.size() - 1);
            }
            case "list": return Values.iterate(value, line);
            case "join": return join(value, a);
            case "reverse": {
                if (value instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> items = Values.iterate(value, line);
                Collections.reverse(items);
                return items;
            }
            case "items": {
                if (value instanceof Undefined) {
                    return new ArrayList<>();
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw new TemplateException("Can only get item pairs from a mapping.", line);
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, v) -> out.add(new Tuple(java.util.Arrays.asList(k, v))));
                return out;
            }
            case "tojson":
                return new JsonText(a.get(1, "indent", null), a.get(2, "separators", null),
                        Values.truthy(a.get(3, "sort_keys", false)), line).write(value);
            case "int": return toInt(value, a.get(0, "default", 0L));
            case "float": return toFloat(value, a.get(0, "default", 0.0));
            case "abs": {
                Object n = Values.numeric(value);
                if (n instanceof Long l) {
                    if (l == Long.MIN_VALUE) {
                        throw new TemplateException("integer overflow in abs", line);
                    }
                    return Math.abs(l);
                }
                if (n instanceof Double d) {
                    return Math.abs(d);
                }
                throw new TemplateException("bad operand type for abs(): '" + Values.typeName(value) + "'", line);
            }
            case "round": return round(value, a);
            case "select":
            case "reject":
            case "selectattr":
            case "rejectattr":
                return select(name, value, a);
            case "map": return map(value, a);
            case "attr": return evaluator.attribute(value, Values.str(a.require(0, "name", name)), line);
            case "sort": return sort(value, a);
            case "unique": return unique(value, a);
            case "min":
            case "max":
                return minMax(name.equals("min"), value, a);
            case "sum": {
                Object attribute = a.get(0, "attribute", null);
                Object total = a.get(1, "start", 0L);
                Function<Object, Object> get = getter(attribute, false, line);
                for (Object o : Values.iterate(value, line)) {
                    total = evaluator.operators().binary("+", total, get.apply(o), line);
                }
                return total;
            }
            case "dictsort": return dictsort(value, a);
            case "indent": return indent(Values.str(value), a);
            case "wordcount": return wordcount(Values.str(value));
            case "batch": {
                long size = Methods.asLong(a.require(0, "linecount", name), line);
                if (size <= 0) {
                    throw new TemplateException("batch: linecount must be positive", line);
                }
                Object fill = a.get(1, "fill_with", null);
                List<Object> out = new ArrayList<>();
                List<Object> current = new ArrayList<>();
                for (Object o : Values.iterate(value, line)) {
                    if (current.size() == size) {
                        out.add(current);
                        current = new ArrayList<>();
                    }
                    current.add(o);
                }
                if (!current.isEmpty()) {
                    if (fill != null) {
                        while (current.size() < size) {
                            budget.step(line);
                            current.add(fill);
                        }
                    }
                    out.add(current);
                }
                return out;
            }
            default:
                throw new TemplateException("No filter named '" + name + "'.", line);
        }
    }

    private Object join(Object value, Arguments a) {
        String sep = Values.str(a.get(0, "d", ""));
        Function<Object, Object> get = getter(a.get(1, "attribute", null), false, a.line());
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : Values.iterate(value, a.line())) {
            if (!first) {
                sb.append(sep);
            }
            first = false;
            sb.append(Values.str(get.apply(o)));
            budget.string(sb.length(), a.line());
        }
        return sb.toString();
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean wordStart = true;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            boolean separator = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || PyChars.isSpace(c);
            String ch = new String(Character.toChars(c));
            sb.append(separator ? ch : wordStart ? PyStrings.upper(ch) : PyStrings.lower(ch));
            wordStart = separator;
        }
        return sb.toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': sb.append("&amp;"); break;
                case '<': sb.append("&lt;"); break;
                case '>': sb.append("&gt;"); break;
                case '"': sb.append("&#34;"); break;
                case '\'': sb.append("&#39;"); break;
                default: sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Object toInt(Object value, Object fallback) {
        if (value instanceof Long || value instanceof Boolean) {
            return Values.numeric(value);
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
        }
        if (value instanceof String s) {
            String t = PyStrings.strip(s, null, true, true).replace("_", "");
            try {
                return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
            } catch (NumberFormatException e) {
                Object f = toFloat(value, null);
                return f instanceof Double d && Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
            }
        }
        return fallback;
    }

    private static Object toFloat(Object value, Object fallback) {
        if (value instanceof Long || value instanceof Boolean) {
            return ((Long) Values.numeric(value)).doubleValue();
        }
        if (value instanceof Double) {
            return value;
        }
        if (value instanceof String s) {
            String t = PyStrings.strip(s, null, true, true).toLowerCase(java.util.Locale.ROOT);
            switch (t) {
                case "nan": case "+nan": case "-nan": return Double.NaN;
                case "inf": case "+inf": case "infinity": case "+infinity": return Double.POSITIVE_INFINITY;
                case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
            if (t.matches("[+-]?(\\d+(_\\d+)*(\\.(\\d+(_\\d+)*)?)?|\\.\\d+(_\\d+)*)(e[+-]?\\d+(_\\d+)*)?")) {
                return Double.parseDouble(t.replace("_", ""));
            }
        }
        return fallback;
    }

    private Object round(Object value, Arguments a) {
        long precision = Methods.asLong(a.get(0, "precision", 0L), a.line());
        String method = Values.str(a.get(1, "method", "common"));
        Object n = Values.numeric(value);
        if (!(n instanceof Long) && !(n instanceof Double)) {
            throw new TemplateException("type " + Values.typeName(value) + " doesn't define __round__ method",
                    a.line());
        }
        if (Math.abs(precision) > 400) {
            throw new TemplateException("round: precision out of range", a.line());
        }
        switch (method) {
            case "common":
                if (n instanceof Long l) {
                    return precision >= 0 ? l : BigDecimal.valueOf(l).setScale((int) precision, RoundingMode.HALF_EVEN)
                            .longValue();
                }
                double d = (Double) n;
                if (!Double.isFinite(d)) {
                    return d;
                }
                return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            case "ceil":
            case "floor": {
                double scale = Math.pow(10, precision);
                double x = ((Number) n).doubleValue() * scale;
                return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
            }
            default:
                throw new TemplateException("method must be common, ceil or floor", a.line());
        }
    }

    private Object select(String name, Object value, Arguments a) {
        boolean byAttribute = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        List<Object> rest = new ArrayList<>(a.positional());
        Function<Object, Object> get = Function.identity();
        if (byAttribute) {
            if (rest.isEmpty()) {
                throw new TemplateException(name + "() missing the attribute", a.line());
            }
            get = getter(rest.remove(0), false, a.line());
        }
        String test = rest.isEmpty() ? null : Values.str(rest.remove(0));
        if (test != null && !Tests.exists(test)) {
            throw new TemplateException("No test named '" + test + "'.", a.line());
        }
        Arguments testArgs = new Arguments(rest, a.keywords(), a.line());
        List<Object> out = new ArrayList<>();
        for (Object o : Values.iterate(value, a.line())) {
            budget.step(a.line());
            Object v = get.apply(o);
            boolean ok = test == null ? Values.truthy(v) : Tests.apply(test, v, testArgs);
            if (ok == keep) {
                out.add(o);
            }
        }
        return out;
    }

    private Object map(Object value, Arguments a) {
        Function<Object, Object> f;
        if (a.positional().isEmpty() && a.keywords().containsKey("attribute")) {
            Function<Object, Object> get = getter(a.keywords().get("attribute"), false, a.line());
            Object fallback = a.keywords().get("default");
            f = a.keywords().containsKey("default")
                    ? o -> get.apply(o) instanceof Undefined ? fallback : get.apply(o) : get;
        } else {
            if (a.positional().isEmpty()) {
                throw new TemplateException("map requires a filter argument", a.line());
            }
            String filter = Values.str(a.positional().get(0));
            if (!exists(filter)) {
                throw new TemplateException("No filter named '" + filter + "'.", a.line());
            }
            Arguments rest = new Arguments(a.positional().subList(1, a.size()), a.keywords(), a.line());
            f = o -> apply(filter, o, rest);
        }
        List<Object> out = new ArrayList<>();
        if (Values.truthy(value)) {
            for (Object o : Values.iterate(value, a.line())) {
                budget.step(a.line());
                out.add(f.apply(o));
            }
        }
        return out;
    }

    /** jinja2's attribute getter: {@code "a.b"} and {@code "0"} parts, optionally lower-casing strings. */
    private Function<Object, Object> getter(Object attribute, boolean ignoreCase, int line) {
        Function<Object, Object> get;
        if (attribute == null) {
            get = Function.identity();
        } else {
            List<Object> parts = new ArrayList<>();
            if (attribute instanceof String s) {
                for (String p : s.split("\\.", -1)) {
                    parts.add(p.matches("\\d+") ? (Object) Long.parseLong(p) : p);
                }
            } else {
                parts.add(attribute);
            }
            get = o -> {
                Object v = o;
                for (Object p : parts) {
                    v = evaluator.item(v, p, line);
                }
                return v;
            };
        }
        return ignoreCase ? get.andThen(v -> v instanceof String s ? PyStrings.lower(s) : v) : get;
    }

    private Comparator<Object> order(int line) {
        return (x, y) -> Values.compare(x, y, "<", line);
    }

    private Object sort(Object value, Arguments a) {
        boolean reverse = Values.truthy(a.get(0, "reverse", false));
        boolean caseSensitive = Values.truthy(a.get(1, "case_sensitive", false));
        Object attribute = a.get(2, "attribute", null);
        List<Function<Object, Object>> keys = new ArrayList<>();
        if (attribute instanceof String s && s.contains(",")) {
            for (String part : s.split(",")) {
                keys.add(getter(part.strip(), !caseSensitive, a.line()));
            }
        } else {
            keys.add(getter(attribute, !caseSensitive, a.line()));
        }
        List<Object> items = Values.iterate(value, a.line());
        budget.steps(items.size(), a.line());
        Comparator<Object> order = order(a.line());
        Comparator<Object> cmp = (x, y) -> {
            for (Function<Object, Object> k : keys) {
                int c = order.compare(k.apply(x), k.apply(y));
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        };
        items.sort(reverse ? cmp.reversed() : cmp);
        return items;
    }

    private Object unique(Object value, Arguments a) {
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        Function<Object, Object> key = getter(a.get(1, "attribute", null), !caseSensitive, a.line());
        List<Object> seen = new ArrayList<>();
        List<Object> out = new ArrayList<>();
        for (Object o : Values.iterate(value, a.line())) {
            Object k = key.apply(o);
            budget.steps(seen.size() + 1, a.line());
            if (seen.stream().noneMatch(s -> Values.equal(s, k))) {
                seen.add(k);
                out.add(o);
            }
        }
        return out;
    }

    private Object minMax(boolean min, Object value, Arguments a) {
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        Function<Object, Object> key = getter(a.get(1, "attribute", null), !caseSensitive, a.line());
        List<Object> items = Values.iterate(value, a.line());
        if (items.isEmpty()) {
            return Undefined.because("No aggregated item, sequence was empty.");
        }
        Object best = items.get(0);
        for (Object o : items.subList(1, items.size())) {
            int c = Values.compare(key.apply(o), key.apply(best), "<", a.line());
            if (min ? c < 0 : c > 0) {
                best = o;
            }
        }
        return best;
    }

    private Object dictsort(Object value, Arguments a) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new TemplateException("dictsort: expected a mapping", a.line());
        }
        boolean caseSensitive = Values.truthy(a.get(0, "case_sensitive", false));
        String by = Values.str(a.get(1, "by", "key"));
        boolean reverse = Values.truthy(a.get(2, "reverse", false));
        int pos;
        if (by.equals("key")) {
            pos = 0;
        } else if (by.equals("value")) {
            pos = 1;
        } else {
            throw new TemplateException("You can only sort by either \"key\" or \"value\"", a.line());
        }
        List<Object> items = new ArrayList<>();
        for (Map.Entry<?, ?> e : new LinkedHashMap<>(m).entrySet()) {
            items.add(new Tuple(java.util.Arrays.asList(e.getKey(), e.getValue())));
        }
        Comparator<Object> order = order(a.line());
        Comparator<Object> cmp = (x, y) -> {
            Object p = ((Tuple) x).items().get(pos);
            Object q = ((Tuple) y).items().get(pos);
            if (!caseSensitive) {
                p = p instanceof String s ? PyStrings.lower(s) : p;
                q = q instanceof String s ? PyStrings.lower(s) : q;
            }
            return order.compare(p, q);
        };
        items.sort(reverse ? cmp.reversed() : cmp);
        return items;
    }

    private String indent(String s, Arguments a) {
        Object width = a.get(0, "width", 4L);
        boolean first = Values.truthy(a.get(1, "first", false));
        boolean blank = Values.truthy(a.get(2, "blank", false));
        String indention = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min(
                Methods.asLong(width, a.line()), 1024)));
        List<Object> lines = PyStrings.splitlines(s + "\n", false);
        budget.string(s.length() + (long) lines.size() * indention.length(), a.line());
        StringBuilder sb = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    sb.append('\n').append(indention);
                }
                sb.append(lines.get(i));
            }
        } else {
            sb.append(lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String l = (String) lines.get(i);
                sb.append('\n').append(l.isEmpty() ? "" : indention).append(l);
            }
        }
        return first ? indention + sb : sb.toString();
    }

    private static long wordcount(String s) {
        long n = 0;
        boolean in = false;
        for (int c : s.codePoints().toArray()) {
            boolean word = Character.isLetterOrDigit(c) || c == '_';
            if (word && !in) {
                n++;
            }
            in = word;
        }
        return n;
    }
}
