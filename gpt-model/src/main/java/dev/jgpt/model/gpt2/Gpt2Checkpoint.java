package dev.jgpt.model.gpt2;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.io.SafeTensors;
import dev.jgpt.model.io.SafeTensorsFolder;
import dev.jgpt.model.io.SafeTensorsWriter;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * HuggingFace GPT-2 checkpoints: a folder with {@code config.json} and {@code model.safetensors}
 * (or shards through {@code model.safetensors.index.json}, {@link SafeTensorsFolder}),
 * as published at {@code huggingface.co/openai-community/gpt2} (and -medium, -large, -xl).
 *
 * <p>Loading accepts F32, F16 and BF16 tensors (converted to F32 before they reach the engine),
 * names with or without the {@code transformer.} prefix, with or without {@code lm_head.weight}
 * (ignored when the head is tied), and skips the old causal-mask buffers {@code *.attn.bias} /
 * {@code *.attn.masked_bias}. GPT-2's Conv1D weights are stored {@code (in, out)} and transposed to
 * the {@code (out, in)} of {@link dev.jgpt.model.nn.Linear}.
 *
 * <p>Every tensor's presence and shape is checked before the model is built, so a bad file fails
 * with one {@link CheckpointException} and never yields a half-loaded model.
 */
public final class Gpt2Checkpoint {

    private static final String PREFIX = "transformer.";

    private Gpt2Checkpoint() {}

    /**
     * Initialises {@code gpt} on {@code manager} with the weights in {@code dir}, after checking
     * that every tensor is present with the right shape.
     *
     * @throws CheckpointException naming the file or tensor at fault
     */
    public static void loadInto(GptModel gpt, NDManager manager, Path dir) {
        try (SafeTensorsFolder st = SafeTensorsFolder.open(dir)) {
            Map<String, String> sources = matchTensors(st, gpt, gpt.config());
            // Every value is overwritten below: skip the cost of a random init.
            gpt.setInitializer(Initializer.ZEROS, p -> true);
            gpt.initialize(manager);
            for (Map.Entry<String, Parameter> e : gpt.namedParameters().entrySet()) {
                NDArray array = e.getValue().getArray();
                float[] data = st.readFloats(sources.get(e.getKey()));
                if (isConv1D(e.getKey())) {
                    Shape s = array.getShape(); // (out, in); the file holds (in, out)
                    data = transpose(data, (int) s.get(1), (int) s.get(0));
                }
                array.set(FloatBuffer.wrap(data));
            }
        }
    }

    /**
     * Maps each model parameter name to the file's tensor name, checking presence and shape and
     * that the file has nothing the config has no place for.
     */
    private static Map<String, String> matchTensors(SafeTensorsFolder st, GptModel gpt, GptConfig cfg) {
        Map<String, SafeTensors.TensorInfo> byName = new LinkedHashMap<>();
        for (SafeTensors.TensorInfo info : st.tensors().values()) {
            String name = info.name().startsWith(PREFIX)
                    ? info.name().substring(PREFIX.length())
                    : info.name();
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) {
                continue; // causal-mask buffers, not weights
            }
            if (name.equals("lm_head.weight") && cfg.tieEmbeddings()) {
                continue; // the same matrix as wte.weight
            }
            byName.put(name, info);
        }
        Map<String, Parameter> params = gpt.namedParameters();
        Map<String, String> sources = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            SafeTensors.TensorInfo info = byName.get(name);
            if (info == null) {
                throw new CheckpointException(
                        st.file() + ": missing tensor '" + name + "' required by " + cfg);
            }
            long[] expected = e.getValue().getShape().getShape();
            if (isConv1D(name)) {
                expected = new long[] {expected[1], expected[0]};
            }
            if (!java.util.Arrays.equals(expected, info.shape())) {
                throw new CheckpointException(
                        String.format(
                                "%s: tensor '%s' has shape %s, but the model expects %s",
                                st.fileOf(info.name()), info.name(), info.shapeString(),
                                SafeTensors.formatShape(expected)));
            }
            sources.put(name, info.name());
        }
        TreeSet<String> extra = new TreeSet<>(byName.keySet());
        extra.removeAll(params.keySet());
        if (!extra.isEmpty()) {
            throw new CheckpointException(
                    st.file() + ": tensor '" + extra.first() + "' (and " + (extra.size() - 1)
                            + " more) has no place in a model with " + cfg
                            + "; does config.json match the weights?");
        }
        return sources;
    }

    /** {@link #save(GptModel, Path, SafeTensorsWriter.DType, long)} in one file up to 5 GB. */
    public static void save(GptModel gpt, Path dir, SafeTensorsWriter.DType dtype) throws IOException {
        save(gpt, dir, dtype, SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Writes {@code gpt} as a HuggingFace GPT-2 folder, sharded above {@code maxShardBytes}
     * ({@link SafeTensorsWriter#writeFolder}), one tensor at a time on the Java heap. GPT-2 always
     * has a qkv bias: a model built without one is written with zero biases, which computes the
     * same function.
     */
    public static void save(GptModel gpt, Path dir, SafeTensorsWriter.DType dtype, long maxShardBytes)
            throws IOException {
        GptConfig cfg = gpt.config();
        SafeTensorsWriter writer = new SafeTensorsWriter();
        Map<String, Parameter> params = gpt.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray array = e.getValue().getArray();
            long[] shape = array.getShape().getShape();
            if (isConv1D(e.getKey())) {
                writer.add(e.getKey(), new long[] {shape[1], shape[0]}, dtype,
                        () -> transpose(CausalLms.float32Values(array), (int) shape[0], (int) shape[1]));
            } else {
                writer.add(e.getKey(), shape, dtype, () -> CausalLms.float32Values(array));
            }
            String biasName = e.getKey().replace(".weight", ".bias");
            if (e.getKey().endsWith("attn.c_attn.weight") && !params.containsKey(biasName)) {
                writer.add(biasName, new long[] {shape[0]}, new float[(int) shape[0]], dtype);
            }
        }
        Files.createDirectories(dir);
        writer.writeFolder(dir, maxShardBytes);
        AtomicFiles.writeString(dir.resolve("config.json"), huggingFaceConfig(cfg));
    }


    /** {@code cfg} as a HuggingFace {@code GPT2Config} JSON. */
    static String huggingFaceConfig(GptConfig cfg) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("architectures", new String[] {"GPT2LMHeadModel"});
        map.put("model_type", "gpt2");
        map.put("activation_function", "gelu_new");
        map.put("vocab_size", cfg.vocabSize());
        map.put("n_positions", cfg.contextLength());
        map.put("n_ctx", cfg.contextLength());
        map.put("n_embd", cfg.embedDim());
        map.put("n_head", cfg.numHeads());
        map.put("n_layer", cfg.numLayers());
        map.put("n_inner", null);
        map.put("resid_pdrop", cfg.dropRate());
        map.put("embd_pdrop", cfg.dropRate());
        map.put("attn_pdrop", cfg.dropRate());
        map.put("layer_norm_epsilon", cfg.layerNormEps());
        map.put("tie_word_embeddings", cfg.tieEmbeddings());
        map.put("bos_token_id", 50256);
        map.put("eos_token_id", 50256);
        return new com.google.gson.GsonBuilder().serializeNulls().setPrettyPrinting().create()
                .toJson(map);
    }

    /** HF GPT-2 stores these as Conv1D, {@code (in, out)}. */
    private static boolean isConv1D(String name) {
        return name.endsWith(".weight")
                && (name.contains(".c_attn.") || name.contains(".c_proj.")
                        || name.contains(".c_fc."));
    }

    /** Transposes a row-major {@code (rows, cols)} matrix. */
    private static float[] transpose(float[] data, int rows, int cols) {
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
