package dev.jgpt.model.jinja;

/**
 * What one render may spend, so that a hostile template fails with a {@link TemplateException}
 * instead of hanging or exhausting the JVM.
 *
 * @param maxSteps statements executed, loop iterations and items built, in all
 * @param maxDepth nesting of the parsed template (blocks and expressions) and of macro calls
 * @param maxOutputChars length of the output and of any string built on the way
 */
public record Limits(long maxSteps, int maxDepth, int maxOutputChars) {

    /** 10 million steps, depth 256, 16 Mi chars. */
    public static final Limits DEFAULT = new Limits(10_000_000L, 256, 16 * 1024 * 1024);

    /** Checks the values are positive. */
    public Limits {
        if (maxSteps <= 0 || maxDepth <= 0 || maxOutputChars <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxSteps + ", " + maxDepth + ", "
                    + maxOutputChars);
        }
    }
}
