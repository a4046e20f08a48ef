package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * GELU with GPT-2's tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
 * (DJL's {@code Activation.gelu} is the exact erf form, which differs by up to ~1e-3.)
 *
 * <p>Shapes: any; output has the input's shape.
 */
public final class Gelu extends UnaryBlock {

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    /**
     * Applies the activation element-wise. No in-place ops: autograd needs the intermediate
     * {@code tanh} output for the backward pass.
     */
    public static NDArray gelu(NDArray x) {
        // scalars through Scalars: DJL frees number operands that autograd still needs
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = Scalars.mul(Scalars.mul(cube, 0.044715f).add(x), SQRT_2_OVER_PI);
        return Scalars.mul(Scalars.add(inner.tanh(), 1f).mul(x), 0.5f);
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return gelu(x);
    }


    @Override
    public String toString() {
        return "Gelu(tanh)";
    }
}
