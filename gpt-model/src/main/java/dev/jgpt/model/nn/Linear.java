package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;

/**
 * An affine map {@code y = x W^T + b} whose parameter shapes are fixed when it is built, so a
 * model's size is known before any array is allocated.
 *
 * <p>Shapes: input {@code (..., in)}, output {@code (..., out)}; {@code weight} is {@code (out,
 * in)} like {@code torch.nn.Linear} (HF GPT-2's Conv1D stores the transpose).
 */
public final class Linear extends UnaryBlock {

    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param in input features
     * @param out output features
     * @param withBias whether to add a bias
     * @param std standard deviation of the normal initialisation of the weight
     */
    public Linear(int in, int out, boolean withBias, float std) {
        this.in = in;
        this.out = out;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(out, in))
                                .optInitializer(new NormalInitializer(std))
                                .build());
        this.bias =
                withBias
                        ? addParameter(
                                Parameter.builder()
                                        .setName("bias")
                                        .setType(Parameter.Type.BIAS)
                                        .optShape(new Shape(out))
                                        .optInitializer(Initializer.ZEROS)
                                        .build())
                        : null;
    }

    /** The {@code (out, in)} weight. */
    public Parameter weight() {
        return weight;
    }

    /** The {@code (out)} bias, or {@code null} when built without one. */
    public Parameter bias() {
        return bias;
    }

    /** Applies the map to {@code x} of shape {@code (..., in)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        return ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        // no children
    }

    @Override
    public String toString() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", no bias)" : ")");
    }
}
