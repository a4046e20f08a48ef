package dev.jgpt.examples.cli;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** What {@code --model} names: a preset of any family (e.g. {@code 124M}, {@code qwen3-0.6b}) or a model folder. */
final class ModelSource {

    private ModelSource() {}

    /** Whether {@code spec} is a folder rather than a preset name. */
    static boolean isFolder(String spec) {
        return Files.isDirectory(Paths.get(spec));
    }

    /** The config of a preset or a folder's {@code config.json}, without reading any weights. */
    static ModelConfig config(String spec) {
        if (isFolder(spec)) {
            return Checkpoints.readConfig(Paths.get(spec));
        }
        try {
            return dev.jgpt.model.checkpoint.ModelFamilies.preset(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--model '" + spec + "' is neither a model folder nor a preset. "
                            + e.getMessage(), e);
        }
    }

    /** The tokenizer of a model folder or preset ({@link Tokenizers#forModel}). */
    static Tokenizer tokenizer(String spec) {
        return Tokenizers.forModel(spec != null && isFolder(spec) ? Paths.get(spec) : null);
    }

    /** The sampling defaults of a model folder's {@code generation_config.json} (none for a preset). */
    static dev.jgpt.model.generate.GenerationConfig generationConfig(String spec) {
        return spec != null && isFolder(spec) ? dev.jgpt.model.generate.GenerationConfig.read(Paths.get(spec))
                : dev.jgpt.model.generate.GenerationConfig.NONE;
    }

    /** Loads a folder (HuggingFace folder of a known family, or a jgpt checkpoint). */
    static LanguageModel load(String spec, ai.djl.Device device) {
        if (!isFolder(spec)) {
            throw new CheckpointException(
                    "--model '" + spec + "' is not a model folder (config.json + model.safetensors,"
                            + " or a jgpt checkpoint)");
        }
        return LanguageModel.load(Paths.get(spec), device);
    }
}
