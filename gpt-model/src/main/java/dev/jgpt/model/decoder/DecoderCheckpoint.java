package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.io.SafeTensorsWriter;
import java.io.IOException;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsFolder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * The HuggingFace weight map of the Llama-style families: {@code model.safetensors} (or the shards
 * of {@code model.safetensors.index.json}, {@link SafeTensorsFolder}) holds every
 * tensor under the names {@link DecoderModel#namedParameters()} uses (F32, F16 or BF16, widened
 * to F32), {@code lm_head.weight} ignored when the head is tied. Every tensor's presence and
 * shape is checked before the model is initialised.
 */
public final class DecoderCheckpoint {

    private DecoderCheckpoint() {}

    /**
     * Initialises {@code model} on {@code manager} with the weights in {@code dir}.
     *
     * @throws CheckpointException naming the missing, mis-shaped or extra tensor
     */
    public static void loadInto(DecoderModel model, NDManager manager, Path dir) {
        try (SafeTensorsFolder st = SafeTensorsFolder.open(dir)) {
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
                            st.fileOf(info.name()), info.name(), info.shapeString(), SafeTensors.formatShape(want)));
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

    /**
     * Writes {@code model} as a HuggingFace folder: {@code config.json} (with {@code architecture})
     * and its weights in {@code dtype} under the names {@link DecoderModel#namedParameters()} gives,
     * sharded above {@code maxShardBytes} ({@link SafeTensorsWriter#writeFolder}). A tied head is
     * not written twice, as {@code save_pretrained} leaves it out. One tensor at a time is copied
     * to the Java heap.
     */
    public static void save(DecoderModel model, String architecture, Path dir, SafeTensorsWriter.DType dtype,
            long maxShardBytes) throws IOException {
        SafeTensorsWriter writer = new SafeTensorsWriter();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            NDArray array = e.getValue().getArray();
            writer.add(e.getKey(), array.getShape().getShape(), dtype, () -> CausalLms.float32Values(array));
        }
        writer.writeFolder(dir, maxShardBytes);
        AtomicFiles.writeString(dir.resolve("config.json"),
                model.config().toHuggingFaceJson(architecture, torchDtype(dtype)));
    }


    /** {@code transformers}' name for a weights type. */
    public static String torchDtype(SafeTensorsWriter.DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }
}
