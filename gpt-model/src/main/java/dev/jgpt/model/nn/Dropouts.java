package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/** Dropout as a function, skipped outright at inference or at rate 0. */
public final class Dropouts {

    private Dropouts() {}

    /** {@code x} with dropout at {@code rate} while training; {@code x} itself otherwise. */
    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }
}
