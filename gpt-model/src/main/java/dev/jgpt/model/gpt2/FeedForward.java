package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.Gelu;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.UnaryBlock;

/**
 * The position-wise feed-forward network: expand 4x, tanh-GELU, project back.
 *
 * <p>Shapes: input and output {@code (B, T, C)}; {@code c_fc} is {@code (4C, C)}, {@code c_proj}
 * is {@code (C, 4C)} (names as in GPT-2's {@code mlp}).
 */
public final class FeedForward extends UnaryBlock {

    private final Linear cFc;
    private final Linear cProj;

    /**
     * @param embedDim the width {@code C}
     * @param projStd initialisation std of the output projection (GPT-2 scales it by depth)
     */
    public FeedForward(int embedDim, float projStd) {
        cFc = addChildBlock("c_fc", new Linear(embedDim, 4 * embedDim, true, 0.02f));
        cProj = addChildBlock("c_proj", new Linear(4 * embedDim, embedDim, true, projStd));
    }

    /** The expanding projection {@code C -> 4C}. */
    public Linear cFc() {
        return cFc;
    }

    /** The contracting projection {@code 4C -> C}. */
    public Linear cProj() {
        return cProj;
    }

    /** {@code (B, T, C) -> (B, T, C)}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return cProj.forward(ps, Gelu.gelu(cFc.forward(ps, x, training)), training);
    }



    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        cFc.initialize(manager, dataType, shapes[0]);
        cProj.initialize(manager, dataType, cFc.getOutputShapes(shapes)[0]);
    }
}
