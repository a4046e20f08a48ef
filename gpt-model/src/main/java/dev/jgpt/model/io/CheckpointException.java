package dev.jgpt.model.io;

/**
 * A checkpoint could not be read or does not fit the model: a missing file or tensor, a wrong
 * shape, a truncated or malformed file, an unknown dtype, a config that does not match. The
 * message names the file or tensor and, for shapes, both the expected and the found shape.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public CheckpointException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
