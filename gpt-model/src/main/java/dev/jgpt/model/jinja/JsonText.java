package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * HF's {@code tojson} filter: Python's {@code json.dumps(value, ensure_ascii=False, indent=indent,
 * separators=separators, sort_keys=sort_keys)}, so {@code ", "} and {@code ": "} between items
 * ({@code ","} at line ends with an indent), non-ASCII text as is, floats as Python prints them.
 */
final class JsonText {

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final int line;

    JsonText(Object indent, Object separators, boolean sortKeys, int line) {
        this.line = line;
        if (indent == null || indent instanceof Undefined) {
            this.indent = null;
        } else if (indent instanceof String s) {
            this.indent = s;
        } else if (indent instanceof Long n) {
            this.indent = " ".repeat((int) Math.max(0, Math.min(n, 64)));
        } else {
            throw new TemplateException("tojson: indent must be an int or a string", line);
        }
        if (separators instanceof List<?> || separators instanceof Tuple) {
            List<Object> s = Values.iterate(separators, line);
            if (s.size() != 2 || !(s.get(0) instanceof String) || !(s.get(1) instanceof String)) {
                throw new TemplateException("tojson: separators must be two strings", line);
            }
            this.itemSeparator = (String) s.get(0);
            this.keySeparator = (String) s.get(1);
        } else {
            this.itemSeparator = this.indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
    }

    String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, 0);
        return sb.toString();
    }

    private void write(Object v, StringBuilder sb, int depth) {
        if (depth > Values.MAX_NESTING) {
            throw new TemplateException("tojson: a value is nested deeper than " + Values.MAX_NESTING + " levels",
                    line);
        }
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Values.floatRepr(d));
        } else if (v instanceof String s) {
            string(s, sb);
        } else if (v instanceof List<?> || v instanceof Tuple) {
            List<Object> items = Values.iterate(v, line);
            if (items.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(itemSeparator);
                }
                newline(sb, depth + 1);
                write(items.get(i), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((x, y) -> Values.compare(key(x.getKey()), key(y.getKey()), "<", line));
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    sb.append(itemSeparator);
                }
                first = false;
                newline(sb, depth + 1);
                string(key(e.getKey()), sb);
                sb.append(keySeparator);
                write(e.getValue(), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append('}');
        } else {
            throw new TemplateException("Object of type " + Values.typeName(v) + " is not JSON serializable", line);
        }
    }

    /** A dict key as JSON writes it: strings as they are, numbers, booleans and None as text. */
    private String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Long || k instanceof Double) {
            return Values.str(k);
        }
        throw new TemplateException("keys must be str, int, float, bool or None, not " + Values.typeName(k), line);
    }

    private void newline(StringBuilder sb, int depth) {
        if (indent != null) {
            sb.append('\n');
            for (int i = 0; i < depth; i++) {
                sb.append(indent);
            }
        }
    }

    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
