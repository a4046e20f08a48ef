package dev.jgpt.model.jinja;

/** A value a template can call: a global function, a bound method, a macro. */
interface Callable {

    /** Calls it. */
    Object call(Arguments args);

    /** Its name, for messages and printing. */
    String name();
}
