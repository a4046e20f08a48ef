package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates expressions in a scope, with jinja2's sandboxed lookups: {@code obj.name} is a method
 * of the value's type if it has one, else the dict key; {@code obj[key]} the key or index, else
 * the method; what is missing is an {@link Undefined}. Nothing of Java is reachable: only the
 * interpreter's own values.
 */
final class Evaluator {

    private final Budget budget;
    private final Operators operators;
    private final Methods methods;
    private final Filters filters;

    Evaluator(Budget budget) {
        this.budget = budget;
        this.operators = new Operators(budget);
        this.methods = new Methods(budget);
        this.filters = new Filters(this, budget);
    }

    Operators operators() {
        return operators;
    }

    Filters filters() {
        return filters;
    }

    Object eval(Expr e, Scope scope) {
        budget.step(e.line());
        if (e instanceof Expr.Literal l) {
            return l.value();
        }
        if (e instanceof Expr.Name n) {
            return scope.get(n.name());
        }
        if (e instanceof Expr.Attribute a) {
            return attribute(eval(a.target(), scope), a.name(), a.line());
        }
        if (e instanceof Expr.Item i) {
            return item(eval(i.target(), scope), eval(i.key(), scope), i.line());
        }
        if (e instanceof Expr.Slice s) {
            return slice(eval(s.target(), scope), opt(s.start(), scope), opt(s.stop(), scope), opt(s.step(), scope),
                    s.line());
        }
        if (e instanceof Expr.Call c) {
            Object target = eval(c.target(), scope);
            return call(target, arguments(c.args(), c.keywords(), scope, c.line()));
        }
        if (e instanceof Expr.Filter f) {
            Object value = eval(f.target(), scope);
            return filters.apply(f.name(), value, arguments(f.args(), f.keywords(), scope, f.line()));
        }
        if (e instanceof Expr.Test t) {
            Object value = eval(t.target(), scope);
            boolean r = Tests.apply(t.name(), value, arguments(t.args(), t.keywords(), scope, t.line()));
            return r != t.negated();
        }
        if (e instanceof Expr.Unary u) {
            Object v = eval(u.operand(), scope);
            return u.op().equals("not") ? !Values.truthy(v) : operators.negate(v, u.op().equals("-"), u.line());
        }
        if (e instanceof Expr.Binary b) {
            return binary(b, scope);
        }
        if (e instanceof Expr.Compare c) {
            return compare(c, scope);
        }
        if (e instanceof Expr.Conditional c) {
            if (Values.truthy(eval(c.test(), scope))) {
                return eval(c.then(), scope);
            }
            return c.otherwise() == null ? Undefined.because("the inline if-expression on line " + c.line()
                    + " evaluated to false and no else section was defined.") : eval(c.otherwise(), scope);
        }
        if (e instanceof Expr.ListLiteral l) {
            List<Object> out = new ArrayList<>();
            for (Expr x : l.items()) {
                out.add(eval(x, scope));
            }
            return out;
        }
        if (e instanceof Expr.TupleLiteral t) {
            List<Object> out = new ArrayList<>();
            for (Expr x : t.items()) {
                out.add(eval(x, scope));
            }
            return new Tuple(out);
        }
        Expr.DictLiteral d = (Expr.DictLiteral) e;
        Map<Object, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < d.keys().size(); i++) {
            out.put(Values.hashable(eval(d.keys().get(i), scope), d.line()), eval(d.values().get(i), scope));
        }
        return out;
    }

    private Object opt(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Object binary(Expr.Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        switch (b.op()) {
            case "and":
                return Values.truthy(left) ? eval(b.right(), scope) : left;
            case "or":
                return Values.truthy(left) ? left : eval(b.right(), scope);
            case "~": {
                String l = Values.str(left);
                String r = Values.str(eval(b.right(), scope));
                budget.string((long) l.length() + r.length(), b.line());
                return l + r;
            }
            default:
                return operators.binary(b.op(), left, eval(b.right(), scope), b.line());
        }
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i), scope);
            String op = c.ops().get(i);
            boolean ok;
            switch (op) {
                case "==": ok = Values.equal(left, right); break;
                case "!=": ok = !Values.equal(left, right); break;
                case "in": ok = contains(right, left, c.line()); break;
                case "not in": ok = !contains(right, left, c.line()); break;
                case "<": ok = Values.compare(left, right, op, c.line()) < 0; break;
                case "<=": ok = Values.compare(left, right, op, c.line()) <= 0; break;
                case ">": ok = Values.compare(left, right, op, c.line()) > 0; break;
                default: ok = Values.compare(left, right, op, c.line()) >= 0; break;
            }
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    /** Python's {@code needle in container}. */
    static boolean contains(Object container, Object needle, int line) {
        if (container instanceof String s) {
            if (!(needle instanceof String n)) {
                throw new TemplateException("'in <string>' requires string as left operand, not "
                        + Values.typeName(needle), line);
            }
            return s.contains(n);
        }
        if (container instanceof Map<?, ?> m) {
            return m.containsKey(needle instanceof Boolean b ? (Object) (b ? 1L : 0L) : needle)
                    || m.keySet().stream().anyMatch(k -> Values.equal(k, needle));
        }
        if (container instanceof List || container instanceof Tuple || container instanceof Undefined) {
            for (Object o : Values.iterate(container, line)) {
                if (Values.equal(o, needle)) {
                    return true;
                }
            }
            return false;
        }
        throw new TemplateException("argument of type '" + Values.typeName(container) + "' is not iterable", line);
    }

    /** {@code obj.name}: the type's method, else the key, else undefined. */
    Object attribute(Object obj, String name, int line) {
        if (obj instanceof Undefined u) {
            throw u.error(line);
        }
        if (obj instanceof Namespace n) {
            return n.attributes.containsKey(name) ? n.attributes.get(name) : Undefined.attribute(obj, name);
        }
        if (obj instanceof LoopInfo l) {
            return l.attribute(name);
        }
        Callable m = methods.lookup(obj, name);
        if (m != null) {
            return m;
        }
        if (obj instanceof Map<?, ?> map && map.containsKey(name)) {
            return map.get(name);
        }
        return Undefined.attribute(obj, name);
    }

    /** {@code obj[key]}: the key or index, else the type's method, else undefined. */
    Object item(Object obj, Object key, int line) {
        if (obj instanceof Undefined u) {
            throw u.error(line);
        }
        if (obj instanceof Map<?, ?> map) {
            Object k = key instanceof Boolean b ? (Object) (b ? 1L : 0L) : key;
            if (map.containsKey(k)) {
                return map.get(k);
            }
        } else if (obj instanceof List || obj instanceof Tuple || obj instanceof String) {
            Object i = Values.numeric(key);
            if (i instanceof Long index) {
                List<?> items = obj instanceof String s ? Values.codePoints(s) : obj instanceof Tuple t ? t.items()
                        : (List<?>) obj;
                long at = index < 0 ? index + items.size() : index;
                if (at >= 0 && at < items.size()) {
                    return items.get((int) at);
                }
                return Undefined.element(obj, key);
            }
        }
        if (key instanceof String name) {
            return attribute(obj, name, line);
        }
        return Undefined.element(obj, key);
    }

    /** {@code obj[start:stop:step]} with Python's bounds. */
    private Object slice(Object obj, Object start, Object stop, Object step, int line) {
        if (obj instanceof Undefined u) {
            throw u.error(line);
        }
        List<?> items;
        if (obj instanceof String s) {
            items = Values.codePoints(s);
        } else if (obj instanceof Tuple t) {
            items = t.items();
        } else if (obj instanceof List<?> l) {
            items = l;
        } else {
            throw new TemplateException("'" + Values.typeName(obj) + "' object is not subscriptable", line);
        }
        long n = items.size();
        long st = step == null ? 1 : Methods.asLong(step, line);
        if (st == 0) {
            throw new TemplateException("slice step cannot be zero", line);
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = bound(start, n, 0, 0, n, line);
            hi = bound(stop, n, n, 0, n, line);
        } else {
            lo = bound(start, n, n - 1, -1, n - 1, line);
            hi = bound(stop, n, -1, -1, n - 1, line);
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
            out.add(items.get((int) i));
        }
        budget.steps(out.size(), line);
        if (obj instanceof String) {
            StringBuilder sb = new StringBuilder();
            out.forEach(c -> sb.append((String) c));
            return sb.toString();
        }
        return obj instanceof Tuple ? new Tuple(out) : out;
    }

    private static long bound(Object v, long n, long fallback, long min, long max, int line) {
        if (v == null) {
            return fallback;
        }
        long i = Methods.asLong(v, line);
        if (i < 0) {
            i += n;
        }
        return Math.max(min, Math.min(max, i));
    }

    Arguments arguments(List<Expr> args, List<Expr.Keyword> keywords, Scope scope, int line) {
        List<Object> positional = new ArrayList<>();
        for (Expr a : args) {
            positional.add(eval(a, scope));
        }
        Map<String, Object> named = new LinkedHashMap<>();
        for (Expr.Keyword k : keywords) {
            if (named.put(k.name(), eval(k.value(), scope)) != null) {
                throw new TemplateException("keyword argument repeated: " + k.name(), line);
            }
        }
        return new Arguments(positional, named, line);
    }

    Object call(Object target, Arguments args) {
        if (target instanceof Callable c) {
            try {
                return c.call(args);
            } catch (TemplateException e) {
                throw e.at(args.line());
            }
        }
        if (target instanceof Undefined u) {
            throw u.error(args.line());
        }
        throw new TemplateException("'" + Values.typeName(target) + "' object is not callable", args.line());
    }
}
