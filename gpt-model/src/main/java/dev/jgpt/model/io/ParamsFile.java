package dev.jgpt.model.io;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.jgpt.model.files.AtomicFiles;
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

/**
 * DJL's engine-neutral {@code .params} file (the layout {@code BaseModel.save} writes: a header,
 * then every parameter of the block tree in order), written atomically and read with errors that
 * say what went wrong.
 */
public final class ParamsFile {

    private static final int DJL_MODEL_VERSION = 1;

    private ParamsFile() {}

    /**
     * Writes the parameters of {@code block} to {@code file} (a temporary file renamed into place).
     *
     * @param modelName the name DJL records (the file is {@code modelName-0000.params})
     * @param input the input shape recorded in the header
     */
    public static void write(Path file, Block block, String modelName, DataType dataType, Shape input)
            throws IOException {
        AtomicFiles.write(file, tmp -> {
            try (DataOutputStream dos =
                    new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                dos.writeBytes("DJL@");
                dos.writeInt(DJL_MODEL_VERSION);
                dos.writeUTF(modelName);
                dos.writeUTF(dataType.name());
                dos.writeInt(1);
                dos.writeUTF("data0");
                dos.write(input.getEncoded());
                dos.writeInt(0); // no properties
                block.saveParameters(dos);
            }
        });
    }

    /**
     * Fills {@code block}'s parameters on {@code manager} from {@code file}.
     *
     * @param what describes the block for messages (e.g. its config)
     * @throws CheckpointException if the file is missing, truncated, longer, or does not match
     */
    public static void read(Path file, Block block, NDManager manager, String what) {
        try (InputStream in = Files.newInputStream(file);
                DataInputStream dis = new DataInputStream(new BufferedInputStream(in))) {
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
            block.loadParameters(manager, dis);
            if (dis.read() != -1) {
                throw new CheckpointException(
                        file + " has data after the last parameter: it holds more than " + what);
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Checkpoint file not found: " + file, e);
        } catch (EOFException e) {
            throw new CheckpointException(file + " is truncated, or holds fewer layers than " + what, e);
        } catch (IOException | MalformedModelException e) {
            throw new CheckpointException(file + " does not match " + what + ": " + e.getMessage(), e);
        }
    }
}
