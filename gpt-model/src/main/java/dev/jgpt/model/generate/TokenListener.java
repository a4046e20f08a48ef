package dev.jgpt.model.generate;

/** Receives each token as soon as it is generated (streaming). */
@FunctionalInterface
public interface TokenListener {

    /**
     * Called once per new token, in order.
     *
     * @param id the token id
     * @return {@code true} to go on, {@code false} to stop generating now
     */
    boolean onToken(long id);
}
