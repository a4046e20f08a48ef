package dev.jgpt.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.model.nn.CausalLm;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * How one family's parameters sit in a HuggingFace weights folder, and the one loader every
 * family uses: each parameter's tensor present with its shape, nothing in the files without a
 * place, all checked before the model is initialised, so a bad folder fails with one {@link
 * CheckpointException} and never half-loads.
 */
public interface WeightMap {

    /**
     * The parameter a file tensor holds, or {@code null} for one to pass over (a tied head's
     * copy, a causal-mask or rotary buffer older exports carry).
     */
    String parameterOf(String tensorName);

    /** Whether the file stores parameter {@code name} transposed ({@code (in, out)}, GPT-2's Conv1D). */
    default boolean transposed(String name) {
        return false;
    }

    /**
     * Initialises {@code model} on {@code manager} with the tensors of {@code weights} for its
     * {@link CausalLm#namedParameters()}, as this map places them.
     *
     * @throws CheckpointException naming the missing tensor, the tensor with both shapes, or the
     *     first tensor without a place
     */
    default void load(CausalLm model, SafeTensorsFolder weights, NDManager manager) {
        Map<String, Parameter> params = model.namedParameters();
        Object describe = model.config();
        Map<String, SafeTensors.TensorInfo> byParameter = new LinkedHashMap<>();
        for (SafeTensors.TensorInfo info : weights.tensors().values()) {
            String p = parameterOf(info.name());
            if (p != null) {
                byParameter.put(p, info);
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            SafeTensors.TensorInfo info = byParameter.get(e.getKey());
            if (info == null) {
                throw new CheckpointException(weights.file() + ": missing tensor '" + e.getKey() + "' required by "
                        + describe);
            }
            long[] want = e.getValue().getShape().getShape();
            if (transposed(e.getKey())) {
                want = new long[] {want[1], want[0]};
            }
            if (!Arrays.equals(want, info.shape())) {
                throw new CheckpointException(String.format("%s: tensor '%s' has shape %s, but the model expects %s",
                        weights.fileOf(info.name()), info.name(), info.shapeString(), SafeTensors.formatShape(want)));
            }
        }
        TreeSet<String> extra = new TreeSet<>(byParameter.keySet());
        extra.removeAll(params.keySet());
        if (!extra.isEmpty()) {
            throw new CheckpointException(weights.file() + ": tensor '" + extra.first() + "' (and " + (extra.size() - 1)
                    + " more) has no place in a model with " + describe + "; does config.json match the weights?");
        }
        model.setInitializer(Initializer.ZEROS, p -> true); // every value is overwritten below
        model.initialize(manager);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray array = e.getValue().getArray();
            float[] data = weights.readFloats(byParameter.get(e.getKey()).name());
            if (transposed(e.getKey())) {
                long[] s = array.getShape().getShape(); // (out, in); the file holds (in, out)
                data = transpose(data, (int) s[1], (int) s[0]);
            }
            array.set(FloatBuffer.wrap(data));
        }
    }

    /** Transposes a row-major {@code (rows, cols)} matrix. */
    static float[] transpose(float[] data, int rows, int cols) {
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[base + c];
            }
        }
        return out;
    }
}
