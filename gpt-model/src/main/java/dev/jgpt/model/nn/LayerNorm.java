package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * Layer normalisation over the last axis only, {@code (x - mean) / sqrt(var + eps) * weight +
 * bias} with the biased variance, as GPT-2 does. (DJL's own {@code LayerNorm} normalises over every
 * non-batch axis by default.)
 *
 * <p>Shapes: input and output {@code (..., C)}; {@code weight} (scale) and {@code bias} (shift)
 * are {@code (C)}.
 */
public final class LayerNorm extends UnaryBlock {

    private final int dim;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param dim size of the normalised last axis
     * @param eps added to the variance
     */
    public LayerNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.GAMMA)
                                .optShape(new Shape(dim))
                                .optInitializer(Initializer.ONES)
                                .build());
        this.bias =
                addParameter(
                        Parameter.builder()
                                .setName("bias")
                                .setType(Parameter.Type.BETA)
                                .optShape(new Shape(dim))
                                .optInitializer(Initializer.ZEROS)
                                .build());
    }

    /** The {@code (C)} scale. */
    public Parameter weight() {
        return weight;
    }

    /** The {@code (C)} shift. */
    public Parameter bias() {
        return bias;
    }

    /** Normalises {@code x} of shape {@code (..., C)} over its last axis. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gamma = ps.getValue(weight, x.getDevice(), training);
        NDArray beta = ps.getValue(bias, x.getDevice(), training);
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), gamma, beta, eps)
                .singletonOrThrow();
    }



    @Override
    public String toString() {
        return "LayerNorm(" + dim + ", eps=" + eps + ")";
    }
}
