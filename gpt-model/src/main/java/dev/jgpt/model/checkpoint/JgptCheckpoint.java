package dev.jgpt.model.checkpoint;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.gpt2.Gpt2Checkpoint;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.gpt2.GptModel;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.io.ParamsFile;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The project's own checkpoint: a folder with {@code config.json} (the book's key names, {@code
 * "format": "jgpt"}) and {@code jgpt-0000.params}, DJL's engine-neutral parameter file (so {@code
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
     * Saves {@code gpt}, whose weights are of {@code dataType}, into {@code dir}, creating it if
     * needed.
     *
     * @throws CheckpointException if the folder cannot be written
     */
    public static void save(GptModel gpt, DataType dataType, Path dir) {
        try {
            ParamsFile.write(dir.resolve(PARAMS_FILE), gpt, MODEL_NAME, dataType,
                    new Shape(1, gpt.config().contextLength()));
            AtomicFiles.writeString(dir.resolve(Gpt2Checkpoint.CONFIG_FILE), gpt.config().toJson());
            // a model training LoRA adapters saves them in its tree; the loader must attach them first
            LoraConfig lora = Lora.configOf(gpt);
            if (lora != null) {
                Lora.writeConfig(lora, dir);
            } else {
                Files.deleteIfExists(dir.resolve(Lora.CONFIG_FILE));
            }
        } catch (IOException e) {
            throw new CheckpointException("Cannot save checkpoint to " + dir + ": " + e, e);
        }
    }

    /**
     * Fills {@code gpt} on {@code manager} from the parameter file in {@code dir}, checking every
     * shape against {@code gpt}'s config.
     *
     * @throws CheckpointException if the file is missing, truncated, or does not match
     */
    public static void loadInto(GptModel gpt, NDManager manager, Path dir) {
        GptConfig config = gpt.config();
        Path file = dir.resolve(PARAMS_FILE);
        Map<String, Parameter> expected = new GptModel(config).gpt2Parameters();
        if (Files.exists(dir.resolve(Lora.CONFIG_FILE)) && Lora.adapters(gpt).isEmpty()) {
            Lora.apply(gpt, Lora.readConfig(dir), manager);
        }
        ParamsFile.read(file, gpt, manager, config.toString());
        checkShapes(file, gpt, expected);
    }

    private static void checkShapes(Path file, GptModel loaded, Map<String, Parameter> expected) {
        for (Map.Entry<String, Parameter> e : loaded.gpt2Parameters().entrySet()) {
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
