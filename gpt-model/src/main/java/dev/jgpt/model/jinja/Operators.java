package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's arithmetic on the interpreter's values: {@code + - * / // % **} with int (exact, a
 * TemplateException on overflow), float and bool operands; {@code +} on two strings, two lists
 * or two tuples; {@code *} of a string or list by an int; unary minus and plus.
 */
final class Operators {

    private final Budget budget;

    Operators(Budget budget) {
        this.budget = budget;
    }

    Object binary(String op, Object a, Object b, int line) {
        if (a instanceof Undefined u) {
            throw u.error(line);
        }
        if (b instanceof Undefined u) {
            throw u.error(line);
        }
        if (Values.isNumber(a) && Values.isNumber(b)) {
            return numbers(op, Values.numeric(a), Values.numeric(b), line);
        }
        switch (op) {
            case "+": return add(a, b, line);
            case "*": return repeat(a, b, line);
            default: throw unsupported(op, a, b, line);
        }
    }

    private Object add(Object a, Object b, int line) {
        if (a instanceof String s) {
            if (!(b instanceof String t)) {
                throw new TemplateException("can only concatenate str (not \"" + Values.typeName(b) + "\") to str",
                        line);
            }
            budget.string((long) s.length() + t.length(), line);
            return s + t;
        }
        if (a instanceof List<?> l) {
            if (!(b instanceof List<?> m)) {
                throw new TemplateException("can only concatenate list (not \"" + Values.typeName(b)
                        + "\") to list", line);
            }
            budget.steps((long) l.size() + m.size(), line);
            List<Object> out = new ArrayList<>(l);
            out.addAll(m);
            return out;
        }
        if (a instanceof Tuple t && b instanceof Tuple u) {
            budget.steps((long) t.items().size() + u.items().size(), line);
            List<Object> out = new ArrayList<>(t.items());
            out.addAll(u.items());
            return new Tuple(out);
        }
        throw unsupported("+", a, b, line);
    }

    private Object repeat(Object a, Object b, int line) {
        if ((a instanceof Long || a instanceof Boolean) && !(b instanceof Long || b instanceof Boolean)) {
            return repeat(b, a, line);
        }
        if (!(b instanceof Long || b instanceof Boolean)) {
            throw new TemplateException("can't multiply sequence by non-int of type '" + Values.typeName(b) + "'",
                    line);
        }
        long n = Math.max(0, (Long) Values.numeric(b));
        if (a instanceof String s) {
            budget.string(s.length() * Math.min(n, Integer.MAX_VALUE), line);
            return s.repeat((int) n);
        }
        if (a instanceof List<?> l) {
            budget.steps(l.size() * Math.min(n, Integer.MAX_VALUE), line);
            List<Object> out = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                out.addAll(l);
            }
            return out;
        }
        throw unsupported("*", a, b, line);
    }

    private static Object numbers(String op, Object a, Object b, int line) {
        if (a instanceof Long x && b instanceof Long y) {
            return integers(op, x, y, line);
        }
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        switch (op) {
            case "+": return x + y;
            case "-": return x - y;
            case "*": return x * y;
            case "/":
                if (y == 0) {
                    throw new TemplateException("float division by zero", line);
                }
                return x / y;
            case "//":
                if (y == 0) {
                    throw new TemplateException("float floor division by zero", line);
                }
                return Math.floor(x / y);
            case "%":
                if (y == 0) {
                    throw new TemplateException("float modulo", line);
                }
                double r = x % y;
                return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            case "**":
                return Math.pow(x, y);
            default:
                throw new IllegalStateException(op);
        }
    }

    private static Object integers(String op, long x, long y, int line) {
        try {
            switch (op) {
                case "+": return Math.addExact(x, y);
                case "-": return Math.subtractExact(x, y);
                case "*": return Math.multiplyExact(x, y);
                case "/":
                    if (y == 0) {
                        throw new TemplateException("division by zero", line);
                    }
                    return (double) x / (double) y;
                case "//":
                    if (y == 0) {
                        throw new TemplateException("integer division or modulo by zero", line);
                    }
                    return Math.floorDiv(x, y);
                case "%":
                    if (y == 0) {
                        throw new TemplateException("integer modulo by zero", line);
                    }
                    return Math.floorMod(x, y);
                case "**":
                    if (y < 0) {
                        return Math.pow(x, y);
                    }
                    long r = 1;
                    for (long i = 0; i < y; i++) {
                        r = Math.multiplyExact(r, x);
                        if (r == 0 || r == 1 && x == 1) {
                            break;
                        }
                        if (x == -1) {
                            return y % 2 == 0 ? 1L : -1L;
                        }
                    }
                    return r;
                default:
                    throw new IllegalStateException(op);
            }
        } catch (ArithmeticException e) {
            throw new TemplateException("integer overflow in '" + op + "' (the interpreter's ints are 64-bit)", line);
        }
    }

    Object negate(Object v, boolean minus, int line) {
        if (v instanceof Undefined u) {
            throw u.error(line);
        }
        Object n = Values.numeric(v);
        if (n instanceof Long l) {
            if (!minus) {
                return l;
            }
            if (l == Long.MIN_VALUE) {
                throw new TemplateException("integer overflow in '-'", line);
            }
            return -l;
        }
        if (n instanceof Double d) {
            return minus ? -d : d;
        }
        throw new TemplateException("bad operand type for unary " + (minus ? "-" : "+") + ": '"
                + Values.typeName(v) + "'", line);
    }

    private static TemplateException unsupported(String op, Object a, Object b, int line) {
        return new TemplateException("unsupported operand type(s) for " + op + ": '" + Values.typeName(a) + "' and '"
                + Values.typeName(b) + "'", line);
    }
}
