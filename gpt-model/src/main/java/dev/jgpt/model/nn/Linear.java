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
    private LoraAdapter lora;

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

    /** Applies the map (plus the LoRA update, if attached) to {@code x} of shape {@code (..., in)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
        NDArray y = ai.djl.nn.core.Linear.linear(x, w, b).singletonOrThrow();
        return lora == null ? y : y.add(lora.forward(ps, x, training));
    }

    /**
     * Attaches a LoRA adapter (child {@code lora}, parameters {@code lora_A}, {@code lora_B}) and
     * initialises it on {@code manager} when this layer already is. The weight and bias are not
     * frozen here; {@link dev.jgpt.model.lora.Lora} does that for a whole model.
     *
     * @throws IllegalStateException if one is already attached
     */
    public LoraAdapter attachLora(int rank, float alpha, int groups, NDManager manager) {
        if (lora != null) {
            throw new IllegalStateException("A LoRA adapter is already attached to " + this);
        }
        lora = addChildBlock("lora", new LoraAdapter(in, out, rank, alpha, groups));
        if (weight.isInitialized()) {
            lora.initialize(manager, weight.getArray().getDataType(), new Shape(1, in));
        }
        return lora;
    }

    /** The attached adapter, or {@code null}. */
    public LoraAdapter lora() {
        return lora;
    }

    /**
     * Adds the adapter's update into the weight ({@code W += scale · B A}) and removes the
     * adapter, so the layer computes the same function with no extra cost. No-op without one.
     */
    public void mergeLora() {
        if (lora == null) {
            return;
        }
        NDArray w = weight.getArray();
        NDArray a = lora.a().getArray();
        NDArray b = lora.b().getArray();
        try (NDManager scope = w.getManager().newSubManager()) {
            scope.tempAttachAll(w, a, b); // every intermediate dies with the scope
            w.add(lora.delta(a, b)).copyTo(w);
        }
        detachLora();
    }

    /** Removes the adapter without merging it (its update is dropped). No-op without one. */
    public void detachLora() {
        if (lora == null) {
            return;
        }
        lora.getParameters().values().forEach(Parameter::close);
        children.remove(children.size() - 1);
        lora = null;
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        if (lora != null) {
            lora.initialize(manager, dataType, shapes);
        }
    }

    @Override
    public String toString() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", no bias)" : ")");
    }
}
