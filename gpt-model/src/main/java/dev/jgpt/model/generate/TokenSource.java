package dev.jgpt.model.generate;

/**
 * Continues a prompt token by token: a {@link Generator} runs each sequence alone, a {@link
 * ContinuousBatcher} advances all its running sequences in one forward pass per step. {@link
 * TextGenerator} and the server work with either.
 */
public interface TokenSource {

    /**
     * Generates up to {@code config.maxNewTokens()} tokens after {@code prompt}.
     *
     * @param prompt token ids; must not be empty
     * @param listener called with each new token, in order, on the calling thread; returning
     *     false stops the generation; or {@code null}
     * @return only the new ids (an end id that stopped generation is not included)
     */
    long[] generate(long[] prompt, SamplingConfig config, TokenListener listener);
}
