package dev.jgpt.model.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model folder of either kind: a HuggingFace folder of a known family ({@code config.json} and
 * its weights) or a jgpt checkpoint ({@code config.json} and {@code jgpt-0000.params}). The
 * family comes from the config's {@code model_type} ({@link ModelFamilies}).
 */
public final class Checkpoints {

    private Checkpoints() {}

    /** The config of the folder, read from its {@code config.json} by the family it names. */
    public static ModelConfig readConfig(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException("Model folder not found: " + dir);
        }
        Path config = dir.resolve(ModelFamilies.CONFIG_FILE);
        if (!Files.exists(config) && !hasWeights(dir)) {
            throw new CheckpointException("No model found in " + dir + ": expected a HuggingFace folder"
                    + " (config.json + model.safetensors) or a jgpt checkpoint (config.json + "
                    + JgptCheckpoint.PARAMS_FILE + ")");
        }
        return ModelFamilies.readConfig(config);
    }

    private static boolean hasWeights(Path dir) {
        if (Files.exists(dir.resolve(JgptCheckpoint.PARAMS_FILE))) {
            return true;
        }
        for (String type : ModelFamilies.knownTypes()) {
            if (Files.exists(dir.resolve(ModelFamilies.forType(type).weightsFile()))) {
                return true;
            }
        }
        return false;
    }

    /** The blocks for the folder's config (nothing allocated yet). */
    public static CausalLm newModel(Path dir) {
        ModelConfig config = readConfig(dir);
        return ModelFamilies.of(config).newModel(config, true);
    }

    /**
     * Initialises {@code model} on {@code manager} with the folder's weights, whichever kind it is.
     *
     * @throws CheckpointException naming the problem
     */
    public static void loadInto(CausalLm model, NDManager manager, Path dir) {
        ModelFamily family = ModelFamilies.of(model.config());
        if (Files.exists(dir.resolve(family.weightsFile()))) {
            family.loadWeights(model, manager, dir);
        } else if (Files.exists(dir.resolve(JgptCheckpoint.PARAMS_FILE))) {
            JgptCheckpoint.loadInto(model, manager, dir);
        } else {
            throw new CheckpointException("No model found in " + dir + ": expected a HuggingFace folder"
                    + " (config.json + " + family.weightsFile() + ") or a jgpt checkpoint (config.json + "
                    + JgptCheckpoint.PARAMS_FILE + ")");
        }
    }
}
