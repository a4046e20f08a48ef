package dev.jgpt.examples.cli;

import dev.jgpt.model.checkpoint.ModelFamilies;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.hub.ModelReferences;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import dev.jgpt.model.LanguageModel;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How a training command builds a model from random weights when it starts from none. */
final class FreshModelOptions {

    @Option(names = "--model-size",
            description = "Preset for a fresh model: GPT-2's tiny, mini, 124M, 355M, 774M, 1558M; qwen3-tiny,"
                    + " qwen3-0.6b, ...; llama3.2-tiny, llama3.2-1b, ... (default: ${DEFAULT-VALUE}).")
    String modelSize;

    @Option(names = "--tokenizer",
            description = "Tokenizer of a fresh model: a folder with tokenizer.json or a Hub repository (owner/name)."
                    + " Default: GPT-2's built-in BPE; Qwen/Qwen3-0.6B's for qwen3 presets;"
                    + " meta-llama/Llama-3.2-1B-Instruct's (gated: HF_TOKEN) for llama presets.")
    String tokenizer;

    @Option(names = "--init-style", defaultValue = "GPT2",
            description = "Random init of a fresh model: GPT2 (normal 0.02) or BOOK (PyTorch defaults, as the book's"
                    + " model) (default: ${DEFAULT-VALUE}).")
    InitStyle initStyle;

    @Option(names = "--dropout", description = "Dropout of a fresh GPT-2 model; Qwen3 and Llama have none"
            + " (default: ${DEFAULT-VALUE}).")
    float dropout;

    /** The preset's config, a GPT-2 one with this dropout. */
    ModelConfig config() {
        ModelConfig config = ModelSource.config(modelSize);
        return config instanceof GptConfig gpt ? gpt.withDropRate(dropout) : config;
    }

    /**
     * The folder of a fresh model's tokenizer files: {@code --tokenizer}, else the family's
     * ({@link ModelReferences#tokenizerFolder}); {@code null} for GPT-2's built-in tokenizer.
     */
    Path tokenizerFolder() {
        return ModelReferences.tokenizerFolder(tokenizer, ModelFamilies.of(config()), ModelSource.hub()).orElse(null);
    }

    /**
     * The folder whose tokenizer files (and chat template) the model a command starts from has:
     * the checkpoint it resumes, else {@code folder} ({@code --model} / {@code --init}), else a
     * fresh model's ({@link #tokenizerFolder()}); {@code null} for GPT-2's built-in tokenizer.
     */
    Path startingFolder(Path folder, Optional<Path> checkpoint) {
        if (folder != null && tokenizer != null) {
            throw new IllegalArgumentException("--tokenizer is for a fresh model (--model-size); " + folder
                    + " has its own tokenizer");
        }
        if (checkpoint.isPresent()) {
            return checkpoint.get();
        }
        return folder != null ? folder : tokenizerFolder();
    }

    /**
     * The tokenizer of the model a command starts from ({@link #startingFolder}), a fresh model's
     * checked to fit its vocabulary.
     */
    Tokenizer startingTokenizer(Path folder, Optional<Path> checkpoint) {
        Path files = startingFolder(folder, checkpoint);
        Tokenizer t = Tokenizers.forModel(files);
        if (checkpoint.isEmpty() && folder == null && t.vocabSize() > config().vocabSize()) {
            int size = t.vocabSize();
            t.close();
            throw new IllegalArgumentException("The tokenizer of " + (files == null ? "GPT-2" : files) + " has "
                    + size + " ids, more than the " + config().vocabSize() + " of --model-size " + modelSize);
        }
        return t;
    }

    /**
     * The model a command starts from: the checkpoint it resumes, else the folder, else a fresh
     * model of {@link #config()} with {@code contextLength} positions (0: the preset's).
     */
    LanguageModel startingModel(Path folder, Optional<Path> checkpoint, ai.djl.Device device, long seed,
            int contextLength) {
        if (checkpoint.isPresent()) {
            return LanguageModel.load(checkpoint.get(), device);
        }
        if (folder != null) {
            return LanguageModel.load(folder, device);
        }
        ModelConfig config = contextLength > 0 ? config().withContextLength(contextLength) : config();
        return LanguageModel.create(config, device, (int) seed, initStyle);
    }
}
