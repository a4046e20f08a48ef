package dev.jgpt.model.testing;

/** Assertions on large float arrays that report the first difference (AssertJ's diff is quadratic). */
public final class FloatArrays {

    private FloatArrays() {}

    /** Fails unless both arrays hold the same values bit for bit. */
    public static void assertBitEqual(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(
                        "first difference at index " + i + ": " + actual[i] + " != expected "
                                + expected[i] + " (max abs diff " + maxAbsDiff(actual, expected) + ")");
            }
        }
    }

    /** The largest absolute element-wise difference. */
    public static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
