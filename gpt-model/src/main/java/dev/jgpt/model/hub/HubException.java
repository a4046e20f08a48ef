package dev.jgpt.model.hub;

/** A model could not be had from the Hub or the cache; the message is one line saying why and what to do. */
public final class HubException extends RuntimeException {

    /** With {@code message}. */
    public HubException(String message) {
        super(message);
    }

    /** With {@code message} and its cause. */
    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
