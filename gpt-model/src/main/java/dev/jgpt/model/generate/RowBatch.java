package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.KvCache;
import java.util.Arrays;

/**
 * One forward pass of rows that continue a shared {@link KvCache}, each row with its own
 * positions and padding: what {@link Generator#generateBatch} and {@link ContinuousBatcher} run.
 */
final class RowBatch {

    private RowBatch() {}

    /**
     * Runs {@code ids} {@code (B, T)} after the cache's positions and returns each row's logits
     * at the last position, or {@code null} when {@code logits} is false (a prompt chunk whose
     * output only fills the cache).
     *
     * @param positions {@code (B, T)} position ids, each row counting from its first real token
     * @param real {@code (B, cached + T)}: which keys are real, not padding; with none padding,
     *     neither positions nor mask are given and the pass is the plain one
     */
    static float[][] lastLogits(CausalLm model, ParameterStore ps, NDManager manager, KvCache cache, long[] ids,
            long[] positions, boolean[] real, int rows, boolean logits) {
        int t = ids.length / rows;
        int keys = real.length / rows;
        try (NDManager scope = manager.newSubManager()) {
            ForwardState state = ForwardState.inference().withCache(cache);
            boolean padded = false;
            for (boolean r : real) {
                padded |= !r;
            }
            if (padded) {
                state = state.withPositions(scope.create(positions).reshape(rows, t))
                        .withPaddingMask(ForwardState.paddingMask(scope.create(real).reshape(rows, keys)));
            }
            NDArray x = scope.create(ids).reshape(rows, t);
            if (!logits) {
                model.hidden(ps, x, state);
                return null;
            }
            float[] flat = model.lastLogits(ps, x, state).toType(DataType.FLOAT32, false).toFloatArray();
            int v = flat.length / rows;
            float[][] out = new float[rows][];
            for (int i = 0; i < rows; i++) {
                out[i] = Arrays.copyOfRange(flat, i * v, (i + 1) * v);
            }
            return out;
        }
    }
}
