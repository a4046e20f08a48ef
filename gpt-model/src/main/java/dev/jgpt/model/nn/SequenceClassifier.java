package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A causal LM of any family with a classification head (the book's chapter 6): the transformer
 * without its language-model head (child {@code gpt}, the name classifiers were first saved
 * under), and a {@code (K, C)} linear layer ({@code score}) applied to the final hidden state of
 * each sequence's last real token. With causal attention that token is
 * the only one that has seen the whole text, and right padding after it changes nothing.
 *
 * <p>Shapes: ids {@code (B, T)}, lengths {@code (B)} (real tokens per row, 1..T; all T when
 * absent); output logits {@code (B, K)}.
 */
public final class SequenceClassifier extends AbstractBlock {

    private final CausalLm body;
    private final Linear score;
    private final int numClasses;

    /**
     * A head of {@code numClasses} on {@code body} (built without its output head, {@link
     * ModelFamily#newModel}); nothing is allocated yet.
     */
    public SequenceClassifier(CausalLm body, int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("A classifier needs at least 2 classes, got " + numClasses);
        }
        this.numClasses = numClasses;
        if (body.hasLmHead()) {
            throw new IllegalArgumentException("The classifier's body must be built without its output head");
        }
        this.body = addChildBlock("gpt", body);
        score = addChildBlock("score", new Linear(body.config().hiddenSize(), numClasses, true, 0.02f));
    }

    /** The transformer (without its language-model head). */
    public CausalLm body() {
        return body;
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
        NDArray h = body.hidden(ps, ids, ForwardState.of(training)); // (B, T, C)
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
        body.initialize(manager, dataType, ids);
        score.initialize(manager, dataType, new Shape(ids.get(0), body.config().hiddenSize()));
    }
}
