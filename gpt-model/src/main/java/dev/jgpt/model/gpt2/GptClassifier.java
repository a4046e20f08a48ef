package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.Linear;

/**
 * GPT-2 with a classification head (the book's chapter 6): the transformer without its
 * language-model head ({@code gpt}), and a {@code (K, C)} linear layer ({@code score}) applied to
 * the final hidden state of each sequence's last real token. With causal attention that token is
 * the only one that has seen the whole text, and right padding after it changes nothing.
 *
 * <p>Shapes: ids {@code (B, T)}, lengths {@code (B)} (real tokens per row, 1..T; all T when
 * absent); output logits {@code (B, K)}.
 */
public final class GptClassifier extends AbstractBlock {

    private final GptModel gpt;
    private final Linear score;
    private final int numClasses;

    /** Builds the blocks for {@code config} and {@code numClasses}; nothing is allocated yet. */
    public GptClassifier(GptConfig config, int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("A classifier needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
        gpt = addChildBlock("gpt", new GptModel(config, false));
        score = addChildBlock("score", new Linear(config.embedDim(), numClasses, true, 0.02f));
    }

    /** The transformer (without its language-model head). */
    public GptModel gpt() {
        return gpt;
    }

    /** The classification head {@code (K, C)}. */
    public Linear score() {
        return score;
    }

    /** The number of classes {@code K}. */
    public int numClasses() {
        return numClasses;
    }

    /**
     * Class logits.
     *
     * @param ids token ids {@code (B, T)}, right-padded
     * @param lengths real tokens per row {@code (B)}, or {@code null} when no row is padded
     * @return {@code (B, K)}
     */
    public NDArray forward(ParameterStore ps, NDArray ids, NDArray lengths, boolean training) {
        NDArray h = gpt.hidden(ps, ids, ForwardState.of(training)); // (B, T, C)
        NDArray last;
        if (lengths == null) {
            long t = h.getShape().get(1);
            last = h.get(new ai.djl.ndarray.index.NDIndex(":, {}, :", t - 1));
        } else {
            // one-hot select rather than gather, which not every engine has
            long t = ids.getShape().get(1);
            NDArray positions = ids.getManager().arange(0f, (float) t, 1f).reshape(1, t);
            NDArray lastIndex = lengths.toType(DataType.FLOAT32, false).sub(1f).reshape(-1, 1);
            NDArray pick = positions.eq(lastIndex).toType(h.getDataType(), false).expandDims(2); // (B,T,1)
            last = h.mul(pick).sum(new int[] {1}); // (B, C)
        }
        return score.forward(ps, last, training);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray lengths = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), lengths, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape ids = shapes[0];
        gpt.initialize(manager, dataType, ids);
        score.initialize(manager, dataType, new Shape(ids.get(0), gpt.config().embedDim()));
    }
}
