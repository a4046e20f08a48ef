package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Cross-entropy of next-token logits against target ids, averaged over the targets that are not
 * {@link #IGNORE_INDEX} (PyTorch's {@code cross_entropy(..., ignore_index=-100)}).
 *
 * <p>Shapes: predictions {@code (B, T, V)} (or {@code (N, V)}), labels {@code (B, T)} (or {@code
 * (N)}); both are flattened first, because DJL's pick is only reliable on 2-D input. Uses
 * {@code logSoftmax}, pick and arithmetic only, so it runs on every engine that trains.
 */
public final class CausalLmLoss extends Loss {

    /** Targets with this id contribute nothing, to the loss or to the gradient. */
    public static final long IGNORE_INDEX = -100;

    /** The loss, named {@code CausalLmLoss} in DJL's metrics. */
    public CausalLmLoss() {
        super("CausalLmLoss");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.head();
        long vocab = logits.getShape().get(logits.getShape().dimension() - 1);
        NDArray flat = logits.reshape(-1, vocab);
        NDArray target = labels.head().toType(DataType.INT64, false).reshape(-1);
        NDArray keep = target.neq(IGNORE_INDEX);
        NDArray safeTarget = target.mul(keep.toType(DataType.INT64, false)); // -100 -> 0, then masked
        NDArray picked = flat.logSoftmax(1)
                .get(new NDIndex().addAllDim().addPickDim(safeTarget))
                .reshape(-1);
        NDArray weight = keep.toType(DataType.FLOAT32, false);
        return picked.neg().mul(weight).sum().div(weight.sum().maximum(1f));
    }
}
