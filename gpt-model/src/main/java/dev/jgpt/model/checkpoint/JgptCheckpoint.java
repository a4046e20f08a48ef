package dev.jgpt.model.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.ParamsFile;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The project's own checkpoint, for a model of any family: a folder with {@code config.json} (the
 * family's {@link ModelConfig#toJson()}: {@code "format": "jgpt"} and the {@code model_type}) and {@code jgpt-0000.params}, DJL's engine-neutral parameter file (so {@code
 * Model.load(dir, "jgpt")} also reads it once the block is set).
 *
 * <p>Both files are written to a temporary file and renamed into place, so a crash mid-save never
 * leaves a half-written checkpoint under the final name. Loading checks every parameter's shape
 * against the config and names the tensor and both shapes when they differ.
 *
 * <p>A model with LoRA adapters attached (mid fine-tuning) saves them in the same file and adds
 * {@code adapter_config.json}; loading attaches adapters of that config first, so training can
 * resume with the base weights frozen.
 */
public final class JgptCheckpoint {

    /** The prefix of the parameter file, as DJL names it. */
    public static final String MODEL_NAME = "jgpt";

    /** The parameter file. */
    public static final String PARAMS_FILE = MODEL_NAME + "-0000.params";

    private JgptCheckpoint() {}

    /**
     * Saves {@code model}, whose weights are of {@code dataType}, into {@code dir}, creating it if
     * needed.
     *
     * @throws CheckpointException if the folder cannot be written
     */
    public static void save(CausalLm model, DataType dataType, Path dir) {
        try {
            ParamsFile.write(dir.resolve(PARAMS_FILE), model, MODEL_NAME, dataType,
                    new Shape(1, model.config().contextLength()));
            AtomicFiles.writeString(dir.resolve(ModelFamilies.CONFIG_FILE), model.config().toJson());
            // a model training LoRA adapters saves them in its tree; the loader must attach them first
            LoraConfig lora = Lora.configOf(model);
            if (lora != null) {
                Lora.writeConfig(model, lora, dir);
            } else {
                Files.deleteIfExists(dir.resolve(Lora.CONFIG_FILE));
            }
        } catch (IOException e) {
            throw new CheckpointException("Cannot save checkpoint to " + dir + ": " + e, e);
        }
    }

    /**
     * Fills {@code model} on {@code manager} from the parameter file in {@code dir}, checking every
     * shape against {@code model}'s config.
     *
     * @throws CheckpointException if the file is missing, truncated, or does not match
     */
    public static void loadInto(CausalLm model, NDManager manager, Path dir) {
        ModelConfig config = model.config();
        Path file = dir.resolve(PARAMS_FILE);
        Map<String, Parameter> expected =
                ModelFamilies.of(config).newModel(config, model.hasLmHead()).namedParameters();
        if (Files.exists(dir.resolve(Lora.CONFIG_FILE)) && Lora.adapters(model).isEmpty()) {
            Lora.apply(model, Lora.readConfig(dir), manager);
        }
        ParamsFile.read(file, model, manager, config.toString());
        checkShapes(file, model, expected);
    }

    private static void checkShapes(Path file, CausalLm loaded, Map<String, Parameter> expected) {
        for (Map.Entry<String, Parameter> e : loaded.namedParameters().entrySet()) {
            Shape want = expected.get(e.getKey()).getShape();
            Shape got = e.getValue().getArray().getShape();
            if (!want.equals(got)) {
                throw new CheckpointException(
                        String.format(
                                "%s: tensor '%s' has shape %s, but the config expects %s",
                                file, e.getKey(), got, want));
            }
        }
    }
}
