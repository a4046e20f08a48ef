package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;

/** What every family's {@link CausalLm} does the same way. */
public final class CausalLms {

    private CausalLms() {}

    /**
     * Checks token ids {@code (B, T)} that follow {@code offset} cached positions against the
     * context length, and returns {@code T}.
     *
     * @throws IllegalArgumentException naming the shape or both lengths
     */
    public static int checkIds(Shape ids, int offset, int contextLength) {
        if (ids.dimension() != 2) {
            throw new IllegalArgumentException("Expected token ids of shape (B, T), got " + ids);
        }
        int t = (int) ids.get(1);
        if (offset + t > contextLength) {
            throw new IllegalArgumentException(
                    "Sequence length " + (offset + t) + " exceeds the model's context length " + contextLength);
        }
        return t;
    }

    /** The last position of hidden states {@code (B, T, C)}: {@code (B, C)}. */
    public static NDArray lastPosition(NDArray hidden) {
        return hidden.get(new NDIndex(":, {}, :", hidden.getShape().get(1) - 1));
    }


    /** Puts {@code linear}'s weight (and bias, if any) under {@code name.weight} / {@code name.bias}. */
    public static void putLinear(Map<String, Parameter> map, String name, Linear linear) {
        map.put(name + ".weight", linear.weight());
        if (linear.bias() != null) {
            map.put(name + ".bias", linear.bias());
        }
    }

    /** The values of a parameter as float32, whatever type the model holds (fp16 after {@code toDataType}). */
    public static float[] float32Values(NDArray array) {
        if (array.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray f = array.toType(ai.djl.ndarray.types.DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
