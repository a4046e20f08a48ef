package dev.jgpt.model.io;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.jgpt.model.GptConfig;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.nn.GptModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 */
public final class JgptCheckpoint {

    /** The prefix of the parameter file, as DJL names it. */
    public static final String MODEL_NAME = "jgpt";

    /** The parameter file. */
    public static final String PARAMS_FILE = MODEL_NAME + "-0000.params";

    private static final int DJL_MODEL_VERSION = 1;

    private JgptCheckpoint() {}

    /**
     * Saves {@code lm} into {@code dir}, creating it if needed.
     *
     * @throws CheckpointException if the folder cannot be written
     */
    public static void save(LanguageModel lm, Path dir) {
        try {
            AtomicFiles.write(dir.resolve(PARAMS_FILE), tmp -> {
                try (DataOutputStream dos =
                        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                    writeParams(lm, dos);
                }
            });
            AtomicFiles.writeString(dir.resolve(Gpt2Checkpoint.CONFIG_FILE), lm.config().toJson());
        } catch (IOException e) {
            throw new CheckpointException("Cannot save checkpoint to " + dir + ": " + e, e);
        }
    }

    /** DJL's {@code .params} layout, as {@code BaseModel.save} writes it. */
    private static void writeParams(LanguageModel lm, DataOutputStream dos) throws IOException {
        dos.writeBytes("DJL@");
        dos.writeInt(DJL_MODEL_VERSION);
        dos.writeUTF(MODEL_NAME);
        dos.writeUTF(lm.model().getDataType().name());
        Shape input = new Shape(1, lm.config().contextLength());
        dos.writeInt(1);
        dos.writeUTF("data0");
        dos.write(input.getEncoded());
        dos.writeInt(0); // no properties
        lm.block().saveParameters(dos);
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
        try (InputStream in = Files.newInputStream(file);
                DataInputStream dis = new DataInputStream(new BufferedInputStream(in))) {
            readParams(file, manager, gpt, dis);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Checkpoint file not found: " + file, e);
        } catch (EOFException e) {
            throw new CheckpointException(
                    file + " is truncated, or holds fewer layers than " + config, e);
        } catch (IOException | MalformedModelException e) {
            throw new CheckpointException(
                    file + " does not match " + config + ": " + e.getMessage(), e);
        }
        checkShapes(file, gpt, expected);
    }

    private static void readParams(Path file, NDManager manager, GptModel gpt, DataInputStream dis)
            throws IOException, MalformedModelException {
        byte[] magic = new byte[4];
        dis.readFully(magic);
        if (!"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
            throw new CheckpointException(file + " is not a DJL parameter file");
        }
        int version = dis.readInt();
        if (version != DJL_MODEL_VERSION) {
            throw new CheckpointException(file + ": unsupported DJL model version " + version);
        }
        dis.readUTF(); // model name
        dis.readUTF(); // data type
        int inputs = dis.readInt();
        for (int i = 0; i < inputs; i++) {
            dis.readUTF();
            Shape.decode(dis);
        }
        int properties = dis.readInt();
        for (int i = 0; i < properties; i++) {
            dis.readUTF();
            dis.readUTF();
        }
        gpt.loadParameters(manager, dis);
        if (dis.read() != -1) {
            throw new CheckpointException(
                    file + " has data after the last parameter: it holds more than the config");
        }
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
