package dev.jgpt.examples.cli;

import dev.jgpt.model.generate.SamplingConfig;
import picocli.CommandLine.Option;

/** Temperature, top-k, top-p and seed, shared by the commands that generate text. */
final class SamplingOptions {

    @Option(names = "--temperature", defaultValue = "0",
            description = "Sampling temperature; 0 is greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0",
            description = "Sample among the k most likely tokens; 0 disables (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1",
            description = "Nucleus sampling threshold in (0, 1]; 1 disables (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * The sampling config for {@code maxNewTokens} tokens, stopping at {@code endId} (-1: never).
     *
     * @throws IllegalArgumentException naming an invalid setting
     */
    SamplingConfig config(int maxNewTokens, long endId) {
        return new SamplingConfig(maxNewTokens, temperature, topK, topP, endId, seed);
    }
}
