package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensors;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * The HuggingFace weight map of the Llama-style families: {@code model.safetensors} holds every
 * tensor under the names {@link DecoderModel#namedParameters()} uses (F32, F16 or BF16, widened
 * to F32), {@code lm_head.weight} ignored when the head is tied. Every tensor's presence and
 * shape is checked before the model is initialised.
 */
public final class DecoderCheckpoint {

    /** The weights file of a HuggingFace folder. */
    public static final String WEIGHTS_FILE = "model.safetensors";

    private DecoderCheckpoint() {}

    /**
     * Initialises {@code model} on {@code manager} with the weights in {@code dir}.
     *
     * @throws CheckpointException naming the missing, mis-shaped or extra tensor
     */
    public static void loadInto(DecoderModel model, NDManager manager, Path dir) {
        try (SafeTensors st = SafeTensors.open(dir.resolve(WEIGHTS_FILE))) {
            Map<String, Parameter> params = model.namedParameters();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                SafeTensors.TensorInfo info = st.tensors().get(e.getKey());
                if (info == null) {
                    throw new CheckpointException(st.file() + ": missing tensor '" + e.getKey() + "' required by "
                            + model.config());
                }
                long[] want = e.getValue().getShape().getShape();
                if (!Arrays.equals(want, info.shape())) {
                    throw new CheckpointException(String.format("%s: tensor '%s' has shape %s, but the model expects %s",
                            st.file(), info.name(), info.shapeString(), SafeTensors.formatShape(want)));
                }
            }
            TreeSet<String> extra = new TreeSet<>(st.tensors().keySet());
            extra.removeAll(params.keySet());
            if (model.config().tieEmbeddings()) {
                extra.remove("lm_head.weight"); // the same matrix as the embedding
            }
            extra.removeIf(name -> name.endsWith(".rotary_emb.inv_freq")); // a buffer older exports carry
            if (!extra.isEmpty()) {
                throw new CheckpointException(st.file() + ": tensor '" + extra.first() + "' (and " + (extra.size() - 1)
                        + " more) has no place in a model with " + model.config()
                        + "; does config.json match the weights?");
            }
            model.setInitializer(Initializer.ZEROS, p -> true); // every value is overwritten below
            model.initialize(manager);
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray array = e.getValue().getArray();
                array.set(FloatBuffer.wrap(st.readFloats(e.getKey())));
            }
        }
    }
}
