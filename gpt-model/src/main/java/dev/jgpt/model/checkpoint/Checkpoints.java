package dev.jgpt.model.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.SafeTensorsFolder;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model folder of either kind: a HuggingFace folder of a known family ({@code config.json} and
 * its weights, one file or shards) or a jgpt checkpoint ({@code config.json} and {@code jgpt-0000.params}). The
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
        return Files.exists(dir.resolve(JgptCheckpoint.PARAMS_FILE)) || SafeTensorsFolder.present(dir);
    }

    /**
     * The blocks for the folder's config (nothing allocated yet), after checking that the
     * folder's weights hold at least as many values as the config asks for: a crafted config
     * (a billion layers) fails here, before a block is built.
     */
    public static CausalLm newModel(Path dir) {
        ModelConfig config = readConfig(dir);
        ModelFamily family = ModelFamilies.of(config);
        requireWeightsFor(config, dir.resolve(ModelFamilies.CONFIG_FILE),
                SafeTensorsFolder.present(dir) ? dir : dir.resolve(JgptCheckpoint.PARAMS_FILE));
        return family.newModel(config, true);
    }

    /**
     * Refuses {@code config} (read from {@code configFile}) when {@code weights}, a folder's
     * HuggingFace weights (the folder: {@link SafeTensorsFolder}) or a DJL {@code .params} file, is
     * far too small for its parameters: more than four times the values in the safetensors headers,
     * or than twice the {@code .params} file's bytes (fp16, the smallest type saved). Cheap: reads
     * only the headers or the file's size; the loader then checks every tensor by name and shape.
     *
     * @throws CheckpointException naming both files and both counts
     */
    public static void requireWeightsFor(ModelConfig config, Path configFile, Path weights) {
        if (!Files.exists(weights)) {
            return; // the loader names the missing file
        }
        long wanted = config.parameterCount();
        long held;
        String unit;
        if (Files.isDirectory(weights)) {
            try (SafeTensorsFolder st = SafeTensorsFolder.open(weights)) {
                held = st.valueCount();
                weights = st.file();
            }
            unit = "values";
        } else {
            try {
                held = Files.size(weights) / 2;
            } catch (java.io.IOException e) {
                throw new CheckpointException("Cannot read " + weights + ": " + e, e);
            }
            unit = "values at 2 bytes each";
        }
        // four times the file as the bound: a config a little off (a layer more, twice as wide)
        // still reaches the loader's precise message naming the tensor and both shapes, while
        // nothing is built for a config far beyond the file
        if (wanted / 4 > held) {
            throw new CheckpointException(String.format(java.util.Locale.ROOT, "%s describes a model of %,d"
                    + " parameters (%s), but %s holds at most %,d %s: config.json does not match the weights"
                    + " (nothing was allocated)",
                    configFile, wanted, config, weights, held, unit));
        }
    }

    /**
     * Initialises {@code model} on {@code manager} with the folder's weights, whichever kind it is.
     *
     * @throws CheckpointException naming the problem
     */
    public static void loadInto(CausalLm model, NDManager manager, Path dir) {
        ModelFamily family = ModelFamilies.of(model.config());
        if (SafeTensorsFolder.present(dir)) {
            family.loadWeights(model, manager, dir);
        } else if (Files.exists(dir.resolve(JgptCheckpoint.PARAMS_FILE))) {
            JgptCheckpoint.loadInto(model, manager, dir);
        } else {
            throw new CheckpointException("No model found in " + dir + ": expected a HuggingFace folder"
                    + " (config.json + " + SafeTensorsFolder.SINGLE_FILE + " or " + SafeTensorsFolder.INDEX_FILE
                    + ") or a jgpt checkpoint (config.json + "
                    + JgptCheckpoint.PARAMS_FILE + ")");
        }
    }
}
