package dev.jgpt.model.gpt2;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensorsFolder;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.io.WeightMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
            weightMap(gpt.config()).load(gpt, st, manager);
        }
    }

    /**
     * GPT-2's names in a HF file: with or without the {@code transformer.} prefix; the causal-mask
     * buffers and a tied head's copy passed over; the Conv1D weights stored {@code (in, out)}.
     */
    private static WeightMap weightMap(GptConfig cfg) {
        return new WeightMap() {
            @Override
            public String parameterOf(String tensor) {
                String name = tensor.startsWith(PREFIX) ? tensor.substring(PREFIX.length()) : tensor;
                if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")) {
                    return null; // causal-mask buffers, not weights
                }
                return name.equals("lm_head.weight") && cfg.tieEmbeddings() ? null : name; // tied: wte.weight
            }

            @Override
            public boolean transposed(String name) {
                return isConv1D(name);
            }
        };
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
                        () -> WeightMap.transpose(CausalLms.float32Values(array), (int) shape[0], (int) shape[1]));
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

}
