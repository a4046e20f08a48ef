package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.io.SafeTensorsWriter;
import java.io.IOException;
import dev.jgpt.model.io.SafeTensorsFolder;
import dev.jgpt.model.io.WeightMap;
import java.nio.file.Path;
import java.util.Map;

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
     * @throws dev.jgpt.model.io.CheckpointException naming the missing, mis-shaped or extra tensor
     */
    public static void loadInto(DecoderModel model, NDManager manager, Path dir) {
        boolean tied = model.config().tieEmbeddings();
        WeightMap names = tensor -> (tied && tensor.equals("lm_head.weight")) // the same matrix as the embedding
                || tensor.endsWith(".rotary_emb.inv_freq") ? null : tensor; // a buffer older exports carry
        try (SafeTensorsFolder st = SafeTensorsFolder.open(dir)) {
            names.load(model, st, manager);
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
