package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

/**
 * Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}: if the L2 norm of all
 * gradients together exceeds {@code maxNorm}, every gradient is scaled by {@code maxNorm / norm}
 * in place. (DJL's {@code optClipGrad} clamps each element separately, which changes the
 * gradient's direction.) Call it after {@code backward} and before {@code Trainer.step()}.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Clips the gradients of {@code parameters}.
     *
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(PairList<String, Parameter> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("maxNorm must be > 0, got " + maxNorm);
        }
        double squares = 0;
        for (Pair<String, Parameter> p : parameters) {
            // getGradient() hands out a new handle on the model's manager each call (DJL's own
            // ParameterServer closes them too), and so do the temporaries: close them at once
            try (NDArray grad = gradient(p.getValue())) {
                if (grad != null) {
                    try (NDArray square = grad.square(); NDArray sum = square.sum()) {
                        squares += sum.getFloat();
                    }
                }
            }
        }
        double norm = Math.sqrt(squares);
        if (norm > maxNorm) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Pair<String, Parameter> p : parameters) {
                try (NDArray grad = gradient(p.getValue())) {
                    if (grad != null) {
                        grad.muli(scale); // in place: the parameter's gradient itself
                    }
                }
            }
        }
        return norm;
    }

    /** A new handle on {@code p}'s gradient (close it), or null if it trains no gradient. */
    static NDArray gradient(Parameter p) {
        if (!p.requiresGradient() || !p.isInitialized() || !p.getArray().hasGradient()) {
            return null;
        }
        return p.getArray().getGradient();
    }
}
