package dev.jgpt.datasets;

/**
 * A data set could not be found, downloaded, verified or parsed. The message names the file (and
 * the line or entry for malformed input) and, when nothing was found, where it looked and how to
 * point at a copy.
 */
public class DatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A problem described by {@code message}. */
    public DatasetException(String message) {
        super(message);
    }

    /** A problem described by {@code message}, caused by {@code cause}. */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
