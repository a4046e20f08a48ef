package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands for differentiable code.
 *
 * <p>Why not {@code x.mul(0.5f)}: DJL's PyTorch engine turns the number into a 0-d tensor over a
 * Java direct buffer (no copy, on CPU) and closes it as soon as the op returns; autograd keeps
 * that tensor for the backward pass, and once the garbage collector frees the buffer the backward
 * reads freed memory. Training then goes NaN or jumps at random steps (found as a 1-in-10 NaN in
 * an overfitting test, identical to the step until then). A scalar made here lives on {@code x}'s
 * manager, so it outlives the backward pass of the step that uses it.
 */
public final class Scalars {

    private Scalars() {}

    /** {@code value} as a 0-d array of {@code x}'s type on {@code x}'s manager and device. */
    public static NDArray like(NDArray x, float value) {
        return x.getManager().create(value).toType(x.getDataType(), false);
    }

    /** {@code x * value}, safe to differentiate. */
    public static NDArray mul(NDArray x, float value) {
        return x.mul(like(x, value));
    }

    /** {@code x + value}, safe to differentiate. */
    public static NDArray add(NDArray x, float value) {
        return x.add(like(x, value));
    }
}
