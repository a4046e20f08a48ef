package dev.jgpt.model.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.jgpt.model.gpt2.Gpt2Checkpoint;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.gpt2.GptModel;
import dev.jgpt.model.io.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model folder of either kind: a HuggingFace GPT-2 folder or a jgpt checkpoint. */
public final class Checkpoints {

    private Checkpoints() {}

    /** The config of the folder, read from its {@code config.json}. */
    public static GptConfig readConfig(Path dir) {
        requireModelFolder(dir);
        return Gpt2Checkpoint.readConfig(dir.resolve(Gpt2Checkpoint.CONFIG_FILE));
    }

    /**
     * Initialises {@code gpt} on {@code manager} with the folder's weights, whichever kind it is.
     *
     * @throws CheckpointException naming the problem
     */
    public static void loadInto(GptModel gpt, NDManager manager, Path dir) {
        if (requireModelFolder(dir)) {
            Gpt2Checkpoint.loadInto(gpt, manager, dir);
        } else {
            JgptCheckpoint.loadInto(gpt, manager, dir);
        }
    }

    /** Checks that {@code dir} holds a model; true for HuggingFace, false for jgpt. */
    private static boolean requireModelFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException("Model folder not found: " + dir);
        }
        if (Files.exists(dir.resolve(Gpt2Checkpoint.WEIGHTS_FILE))) {
            return true;
        }
        if (Files.exists(dir.resolve(JgptCheckpoint.PARAMS_FILE))) {
            return false;
        }
        throw new CheckpointException(
                "No model found in "
                        + dir
                        + ": expected a HuggingFace GPT-2 folder (config.json + model.safetensors)"
                        + " or a jgpt checkpoint (config.json + jgpt-0000.params)");
    }
}
