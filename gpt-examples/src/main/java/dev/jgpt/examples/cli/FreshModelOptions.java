package dev.jgpt.examples.cli;

import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.nn.InitStyle;
import picocli.CommandLine.Option;

/** How a training command builds a model from random weights when it starts from none. */
final class FreshModelOptions {

    @Option(names = "--model-size",
            description = "Preset for a fresh model: tiny, mini, 124M, 355M, 774M, 1558M (default: ${DEFAULT-VALUE}).")
    String modelSize;

    @Option(names = "--init-style", defaultValue = "GPT2",
            description = "Random init of a fresh model: GPT2 (normal 0.02) or BOOK (PyTorch defaults, as the book's"
                    + " model) (default: ${DEFAULT-VALUE}).")
    InitStyle initStyle;

    @Option(names = "--dropout", description = "Dropout of a fresh model (default: ${DEFAULT-VALUE}).")
    float dropout;

    /** The preset's config with this dropout. */
    GptConfig config() {
        if (!(ModelSource.config(modelSize) instanceof GptConfig config)) {
            throw new IllegalArgumentException("--model-size " + modelSize + ": fresh models are GPT-2 shapes so far");
        }
        return config.withDropRate(dropout);
    }
}
