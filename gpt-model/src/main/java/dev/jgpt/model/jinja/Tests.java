package dev.jgpt.model.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's tests ({@code x is name(args)}): {@code defined}, {@code none}, {@code string}, {@code eq}, ... */
final class Tests {

    private static final Set<String> NAMES = Set.of("defined", "undefined", "none", "boolean", "true", "false",
            "integer", "float", "number", "string", "mapping", "iterable", "sequence", "callable", "odd", "even",
            "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan",
            ">", "ge", ">=", "in", "sameas", "lower", "upper", "escaped", "filter", "test");

    private Tests() {}

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    /** Whether {@code value is name(args)} holds. */
    static boolean apply(String name, Object value, Arguments a) {
        int line = a.line();
        switch (name) {
            case "defined": return !(value instanceof Undefined);
            case "undefined": return value instanceof Undefined;
            case "none": return value == null;
            case "boolean": return value instanceof Boolean;
            case "true": return Boolean.TRUE.equals(value);
            case "false": return Boolean.FALSE.equals(value);
            case "integer": return value instanceof Long;
            case "float": return value instanceof Double;
            case "number": return Values.isNumber(value);
            case "string": return value instanceof String;
            case "mapping": return value instanceof Map;
            case "iterable":
            case "sequence":
                return value instanceof String || value instanceof List || value instanceof Tuple
                        || value instanceof Map || value instanceof Undefined;
            case "callable": return value instanceof Callable;
            case "odd": return Math.floorMod(integer(value, line), 2) == 1;
            case "even": return Math.floorMod(integer(value, line), 2) == 0;
            case "divisibleby": {
                long d = integer(a.require(0, "num", name), line);
                if (d == 0) {
                    throw new TemplateException("integer division or modulo by zero", line);
                }
                return Math.floorMod(integer(value, line), d) == 0;
            }
            case "eq": case "equalto": case "==":
                return Values.equal(value, a.require(0, "other", name));
            case "ne": case "!=":
                return !Values.equal(value, a.require(0, "other", name));
            case "lt": case "lessthan": case "<":
                return Values.compare(value, a.require(0, "other", name), "<", line) < 0;
            case "le": case "<=":
                return Values.compare(value, a.require(0, "other", name), "<=", line) <= 0;
            case "gt": case "greaterthan": case ">":
                return Values.compare(value, a.require(0, "other", name), ">", line) > 0;
            case "ge": case ">=":
                return Values.compare(value, a.require(0, "other", name), ">=", line) >= 0;
            case "in":
                return Evaluator.contains(a.require(0, "seq", name), value, line);
            case "sameas": {
                Object other = a.require(0, "other", name);
                return value == other || value == null && other == null
                        || value instanceof Boolean && value.equals(other);
            }
            case "lower": return PyStrings.isCased(Values.str(value), false);
            case "upper": return PyStrings.isCased(Values.str(value), true);
            case "escaped": return false;
            case "filter": return value instanceof String s && Filters.exists(s);
            case "test": return value instanceof String s && exists(s);
            default: throw new TemplateException("No test named '" + name + "'.", line);
        }
    }

    private static long integer(Object v, int line) {
        if (v instanceof Double d && d == Math.rint(d)) {
            return d.longValue();
        }
        return Methods.asLong(v, line);
    }
}
