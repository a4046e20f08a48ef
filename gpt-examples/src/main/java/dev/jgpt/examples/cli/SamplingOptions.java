package dev.jgpt.examples.cli;

import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.SamplingConfig;
import picocli.CommandLine.Option;

/**
 * Temperature, top-k, top-p and seed, shared by the commands that generate text. A setting left
 * out comes from the model folder's {@code generation_config.json} ({@link GenerationConfig}),
 * else jgpt's default (greedy).
 */
final class SamplingOptions {

    @Option(names = "--temperature",
            description = "Sampling temperature; 0 is greedy (default: the model's generation_config.json, else 0).")
    Float temperature;

    @Option(names = "--top-k",
            description = "Sample among the k most likely tokens; 0 disables (default: the model's"
                    + " generation_config.json, else 0).")
    Integer topK;

    @Option(names = "--top-p",
            description = "Nucleus sampling threshold in (0, 1]; 1 disables (default: the model's"
                    + " generation_config.json, else 1).")
    Float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sampler (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * Checks the settings given and {@code maxNewTokens}, before anything is loaded.
     *
     * @throws IllegalArgumentException naming an invalid setting
     */
    void validate(int maxNewTokens) {
        GenerationConfig.NONE.sampling(maxNewTokens, temperature, topK, topP, seed);
    }

    /**
     * The sampling config for {@code maxNewTokens} tokens: the settings given, the rest from
     * {@code defaults} (the model folder's); no end ids yet.
     *
     * @param greedy force temperature 0 whatever the folder recommends
     */
    SamplingConfig config(int maxNewTokens, GenerationConfig defaults, boolean greedy) {
        return defaults.sampling(maxNewTokens, greedy ? Float.valueOf(0f) : temperature, topK, topP, seed);
    }
}
