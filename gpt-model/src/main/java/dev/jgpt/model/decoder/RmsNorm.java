package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * Root-mean-square normalisation over the last axis, {@code x / sqrt(mean(x^2) + eps) * weight},
 * computed in fp32 as HF's {@code Qwen3RMSNorm} / {@code LlamaRMSNorm} do.
 *
 * <p>Shapes: input and output {@code (..., C)}; {@code weight} {@code (C)}.
 */
public final class RmsNorm extends UnaryBlock {

    private final int dim;
    private final float eps;
    private final Parameter weight;

    /**
     * @param dim size of the normalised last axis
     * @param eps added to the mean square ({@code rms_norm_eps})
     */
    public RmsNorm(int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(dim)).optInitializer(Initializer.ONES).build());
    }

    /** The {@code (C)} scale. */
    public Parameter weight() {
        return weight;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        DataType type = x.getDataType();
        NDArray x32 = type == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div(meanSquare.add(eps).sqrt());
        return (type == DataType.FLOAT32 ? normed : normed.toType(type, false)).mul(w);
    }

    @Override
    public String toString() {
        return "RmsNorm(" + dim + ", eps=" + eps + ")";
    }
}
