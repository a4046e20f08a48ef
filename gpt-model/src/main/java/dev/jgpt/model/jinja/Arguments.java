package dev.jgpt.model.jinja;

import java.util.List;
import java.util.Map;

/**
 * The evaluated arguments of a call, filter or test, bound Python-style: a parameter is taken by
 * position or by name, else its default.
 *
 * @param positional the positional arguments
 * @param keywords the keyword arguments, in order
 * @param line where the call is, for errors
 */
record Arguments(List<Object> positional, Map<String, Object> keywords, int line) {

    /** The parameter at {@code index} or named {@code name}, else {@code fallback}. */
    Object get(int index, String name, Object fallback) {
        if (index >= 0 && index < positional.size()) {
            if (name != null && keywords.containsKey(name)) {
                throw new TemplateException("got multiple values for argument '" + name + "'", line);
            }
            return positional.get(index);
        }
        return name != null && keywords.containsKey(name) ? keywords.get(name) : fallback;
    }

    /** A required parameter. */
    Object require(int index, String name, String function) {
        Object v = get(index, name, MISSING);
        if (v == MISSING) {
            throw new TemplateException(function + "() missing required argument '" + name + "'", line);
        }
        return v;
    }

    int size() {
        return positional.size();
    }

    /** Refuses more than {@code max} positional arguments. */
    void atMost(int max, String function) {
        if (positional.size() > max) {
            throw new TemplateException(function + "() takes at most " + max + " argument(s) ("
                    + positional.size() + " given)", line);
        }
    }

    private static final Object MISSING = new Object();
}
