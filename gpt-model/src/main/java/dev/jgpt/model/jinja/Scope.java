package dev.jgpt.model.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables by name, in a chain: a loop iteration, a macro call and the template each have one;
 * a lookup falls through to the parent, {@code set} writes the innermost (so a loop's sets do not
 * outlive the iteration, as in jinja2).
 */
final class Scope {

    private final Map<String, Object> vars = new HashMap<>();
    private final Scope parent;

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value of {@code name}, or an {@link Undefined}. */
    Object get(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return Undefined.variable(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
