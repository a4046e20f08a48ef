package dev.jgpt.model.jinja;

/**
 * jinja2's default {@code Undefined}: what a missing variable, key or attribute gives. It prints
 * as nothing, is falsy, iterates as empty and has length 0; {@code is defined} is false for it;
 * anything else (an attribute of it, arithmetic, a call) fails with the message jinja2 gives.
 */
final class Undefined {

    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** A variable that is not defined. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** {@code obj.name} or {@code obj["name"]} that {@code obj} does not have. */
    static Undefined attribute(Object obj, String name) {
        return new Undefined("'" + objectType(obj) + "' has no attribute '" + name + "'");
    }

    /** {@code obj[key]} for a key that is not a string. */
    static Undefined element(Object obj, Object key) {
        return new Undefined(objectType(obj) + " has no element " + Values.repr(key));
    }

    /** An undefined value with its own message. */
    static Undefined because(String message) {
        return new Undefined(message);
    }

    private static String objectType(Object obj) {
        return obj == null ? "None" : Values.typeName(obj) + " object";
    }

    /** The error for using this value where a value is needed. */
    TemplateException error(int line) {
        return new TemplateException(message, line);
    }

    @Override
    public String toString() {
        return "";
    }
}
