package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * The gated feed-forward network of Llama and Qwen: {@code down(silu(gate(x)) * up(x))}, no
 * biases. Shapes: {@code (B, T, C) -> (B, T, C)} through an intermediate width {@code I}.
 */
public final class SwiGluFeedForward extends UnaryBlock {

    private final Linear gate;
    private final Linear up;
    private final Linear down;

    /**
     * @param hidden {@code C}
     * @param intermediate {@code I} ({@code intermediate_size})
     */
    public SwiGluFeedForward(int hidden, int intermediate, float std) {
        gate = addChildBlock("gate_proj", new Linear(hidden, intermediate, false, std));
        up = addChildBlock("up_proj", new Linear(hidden, intermediate, false, std));
        down = addChildBlock("down_proj", new Linear(intermediate, hidden, false, std));
    }

    /** {@code gate_proj} {@code C -> I}. */
    public Linear gate() {
        return gate;
    }

    /** {@code up_proj} {@code C -> I}. */
    public Linear up() {
        return up;
    }

    /** {@code down_proj} {@code I -> C}. */
    public Linear down() {
        return down;
    }

    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray g = gate.forward(ps, x, training);
        NDArray silu = g.mul(Activation.sigmoid(g));
        return down.forward(ps, silu.mul(up.forward(ps, x, training)), training);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape x = shapes[0];
        gate.initialize(manager, dataType, x);
        up.initialize(manager, dataType, x);
        Shape wide = x.slice(0, x.dimension() - 1).add(up.weight().getShape().get(0));
        down.initialize(manager, dataType, wide);
    }
}
