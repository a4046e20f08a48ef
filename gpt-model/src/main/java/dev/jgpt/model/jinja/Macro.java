package dev.jgpt.model.jinja;

import java.util.List;

/**
 * A macro (or a call block's {@code caller}) as a value: calling it binds the arguments to its
 * parameters (missing ones to their default, else undefined) in a scope over the one it was
 * defined in, and returns the text its body renders.
 */
final class Macro implements Callable {

    private final String name;
    private final List<Node.Parameter> parameters;
    private final List<Node> body;
    private final Scope closure;
    private final Renderer renderer;
    private final Callable caller;

    Macro(String name, List<Node.Parameter> parameters, List<Node> body, Scope closure, Renderer renderer,
            Callable caller) {
        this.name = name;
        this.parameters = parameters;
        this.body = body;
        this.closure = closure;
        this.renderer = renderer;
        this.caller = caller;
    }

    @Override
    public Object call(Arguments args) {
        if (args.size() > parameters.size()) {
            throw new TemplateException("macro '" + name + "' takes not more than " + parameters.size()
                    + " argument(s)", args.line());
        }
        Scope scope = new Scope(closure);
        for (String k : args.keywords().keySet()) {
            if (parameters.stream().noneMatch(p -> p.name().equals(k))) {
                throw new TemplateException("macro '" + name + "' takes no keyword argument '" + k + "'", args.line());
            }
        }
        for (int i = 0; i < parameters.size(); i++) {
            Node.Parameter p = parameters.get(i);
            Object v = args.get(i, p.name(), null);
            if (i >= args.size() && !args.keywords().containsKey(p.name())) {
                v = p.fallback() == null ? Undefined.variable(p.name()) : renderer.evaluator().eval(p.fallback(), scope);
            }
            scope.set(p.name(), v);
        }
        if (caller != null) {
            scope.set("caller", caller);
        }
        return renderer.call(body, scope, args.line());
    }

    /** The same macro, with {@code caller} bound to a call block's body. */
    Macro withCaller(Callable newCaller) {
        return new Macro(name, parameters, body, closure, renderer, newCaller);
    }

    @Override
    public String name() {
        return name;
    }
}
