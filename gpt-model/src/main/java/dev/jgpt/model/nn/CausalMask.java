package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The additive causal mask: 0 where a query may attend to a key, {@code -inf} where the key lies
 * in the query's future. Built from {@code arange} comparisons because DJL has no {@code triu} and
 * its {@code where} does not broadcast.
 */
public final class CausalMask {

    private CausalMask() {}

    /**
     * The mask for {@code queries} queries at absolute positions {@code offset ..
     * offset+queries-1} against {@code keys} keys at positions {@code 0 .. keys-1}.
     *
     * @return shape {@code (queries, keys)}, float32, on {@code manager}'s device
     */
    public static NDArray additive(NDManager manager, int queries, int keys, int offset) {
        NDArray rows = manager.arange(offset, offset + queries).reshape(queries, 1);
        NDArray cols = manager.arange(keys).reshape(1, keys);
        // allowed is 1 or 0; log turns it into 0 or -inf, the same mask as torch's masked_fill.
        return cols.lte(rows).toType(DataType.FLOAT32, false).log();
    }
}
