package dev.jgpt.model.jinja;

import java.util.ArrayList;
import java.util.List;

/** Runs the statement tree: writes text and values, loops, branches, assigns, defines macros. */
final class Renderer {

    /** How a statement list ended: normally, or by {@code break} / {@code continue}. */
    private enum Flow { NORMAL, BREAK, CONTINUE }

    private final Budget budget;
    private final Evaluator evaluator;

    Renderer(Budget budget) {
        this.budget = budget;
        this.evaluator = new Evaluator(budget);
    }

    Evaluator evaluator() {
        return evaluator;
    }

    /** Renders {@code body} in {@code scope}. */
    String render(List<Node> body, Scope scope) {
        Output out = new Output(budget);
        run(body, scope, out);
        return out.toString();
    }

    /** A macro's body, one call deeper. */
    String call(List<Node> body, Scope scope, int line) {
        budget.enterCall(line);
        try {
            return render(body, scope);
        } finally {
            budget.exitCall();
        }
    }

    private Flow run(List<Node> body, Scope scope, Output out) {
        for (Node n : body) {
            Flow f = run(n, scope, out);
            if (f != Flow.NORMAL) {
                return f;
            }
        }
        return Flow.NORMAL;
    }

    private Flow run(Node n, Scope scope, Output out) {
        budget.step(n.line());
        if (n instanceof Node.Text t) {
            out.append(t.text(), t.line());
        } else if (n instanceof Node.Output o) {
            out.append(Values.str(evaluator.eval(o.expr(), scope)), o.line());
        } else if (n instanceof Node.If i) {
            for (Node.Branch b : i.branches()) {
                if (Values.truthy(evaluator.eval(b.test(), scope))) {
                    return run(b.body(), scope, out);
                }
            }
            return run(i.otherwise(), scope, out);
        } else if (n instanceof Node.For f) {
            forLoop(f, scope, out);
        } else if (n instanceof Node.Set s) {
            assign(s.target(), evaluator.eval(s.value(), scope), scope, s.line());
        } else if (n instanceof Node.SetBlock s) {
            scope.set(s.name(), filtered(s.filters(), render(s.body(), scope), scope));
        } else if (n instanceof Node.FilterBlock f) {
            out.append(Values.str(filtered(f.filters(), render(f.body(), scope), scope)), f.line());
        } else if (n instanceof Node.Macro m) {
            scope.set(m.name(), new Macro(m.name(), m.parameters(), m.body(), scope, this, null));
        } else if (n instanceof Node.CallBlock c) {
            Macro caller = new Macro("caller", c.parameters(), c.body(), scope, this, null);
            Object target = evaluator.eval(c.call().target(), scope);
            Arguments args = evaluator.arguments(c.call().args(), c.call().keywords(), scope, c.line());
            if (target instanceof Macro m) {
                out.append(Values.str(m.withCaller(caller).call(args)), c.line());
            } else {
                out.append(Values.str(evaluator.call(target, args)), c.line());
            }
        } else if (n instanceof Node.Break) {
            return Flow.BREAK;
        } else if (n instanceof Node.Continue) {
            return Flow.CONTINUE;
        }
        return Flow.NORMAL;
    }

    private Object filtered(Expr filters, String body, Scope scope) {
        Scope s = new Scope(scope);
        s.set(Parser.BODY, body);
        return evaluator.eval(filters, s);
    }

    private void forLoop(Node.For f, Scope scope, Output out) {
        List<Object> all = Values.iterate(evaluator.eval(f.iterable(), scope), f.line());
        List<Object> items = all;
        if (f.filter() != null) {
            items = new ArrayList<>();
            for (Object o : all) {
                budget.step(f.line());
                Scope s = new Scope(scope);
                assign(f.target(), o, s, f.line());
                if (Values.truthy(evaluator.eval(f.filter(), s))) {
                    items.add(o);
                }
            }
        }
        for (int i = 0; i < items.size(); i++) {
            budget.step(f.line());
            Scope s = new Scope(scope);
            assign(f.target(), items.get(i), s, f.line());
            s.set("loop", new LoopInfo(items, i));
            if (run(f.body(), s, out) == Flow.BREAK) {
                break;
            }
        }
        if (items.isEmpty()) {
            run(f.otherwise(), scope, out);
        }
    }

    private void assign(Node.Target target, Object value, Scope scope, int line) {
        if (target instanceof Node.NameTarget n) {
            scope.set(n.name(), value);
        } else if (target instanceof Node.TupleTarget t) {
            List<Object> items = Values.iterate(value, line);
            if (items.size() != t.names().size()) {
                throw new TemplateException((items.size() < t.names().size() ? "not enough" : "too many")
                        + " values to unpack (expected " + t.names().size() + ", got " + items.size() + ")", line);
            }
            for (int i = 0; i < items.size(); i++) {
                scope.set(t.names().get(i), items.get(i));
            }
        } else {
            Node.AttributeTarget a = (Node.AttributeTarget) target;
            Object ns = scope.get(a.name());
            if (!(ns instanceof Namespace namespace)) {
                throw new TemplateException("cannot assign attribute on non-namespace object", line);
            }
            namespace.attributes.put(a.attribute(), value);
        }
    }
}
