package dev.jgpt.model.jinja;

/** What one render has spent of its {@link Limits}; each overrun is a {@link TemplateException}. */
final class Budget {

    private final Limits limits;
    private long steps;
    private int calls;

    Budget(Limits limits) {
        this.limits = limits;
    }

    Limits limits() {
        return limits;
    }

    /** One statement, iteration or item built. */
    void step(int line) {
        steps(1, line);
    }

    /** {@code n} steps at once (the items of a list built, the characters of a string / 16). */
    void steps(long n, int line) {
        steps += n;
        if (steps > limits.maxSteps()) {
            throw new TemplateException("the template ran more than " + limits.maxSteps()
                    + " steps (an endless or too long loop?)", line);
        }
    }

    /** A string of {@code chars} is about to be built: refused past the output limit, else paid for. */
    void string(long chars, int line) {
        if (chars > limits.maxOutputChars()) {
            throw new TemplateException("the template built a string longer than " + limits.maxOutputChars()
                    + " characters", line);
        }
        steps(chars / 16, line);
    }

    /** A macro call begins. */
    void enterCall(int line) {
        if (++calls > limits.maxDepth()) {
            throw new TemplateException("macro calls nested deeper than " + limits.maxDepth() + " levels", line);
        }
    }

    /** A macro call ends. */
    void exitCall() {
        calls--;
    }
}
