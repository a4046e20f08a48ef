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
import java.util.Optional;
import dev.jgpt.model.hub.HubClient;
import dev.jgpt.model.hub.ModelReferences;

/**
 * What {@code --model} names: a model folder, a HuggingFace Hub repository ({@code
 * Qwen/Qwen3-0.6B}, fetched once into the HF cache: {@code hub.ModelReferences}) or a preset of
 * any family (e.g. {@code 124M}, {@code qwen3-0.6b}).
 */
final class ModelSource {

    private static final java.util.Map<String, Optional<Path>> RESOLVED = new java.util.concurrent.ConcurrentHashMap<>();
    private static volatile HubClient hub;

    private ModelSource() {}

    /** The Hub client commands use: the environment's settings, a progress bar on stderr. */
    static HubClient hub() {
        HubClient h = hub;
        if (h == null) {
            h = HubClient.fromEnvironment(new ProgressBar());
            hub = h;
        }
        return h;
    }

    /** Forgets the Hub client and what references resolved to (tests change the HF_* settings). */
    static void reset() {
        hub = null;
        RESOLVED.clear();
    }

    /** The folder {@code spec} names (downloading a Hub reference once per process), or empty for a preset. */
    static Optional<Path> folder(String spec) {
        if (spec == null) {
            return Optional.empty();
        }
        return RESOLVED.computeIfAbsent(spec, s -> ModelReferences.folder(s, hub()));
    }

    /** The folder of {@code spec}, which must name one. */
    static Path path(String spec) {
        return folder(spec).orElseThrow(() -> new CheckpointException("--model '" + spec + "' is not a model folder"
                + " or a Hub repository (owner/name)"));
    }

    /** Whether {@code spec} is a folder (or a Hub repository) rather than a preset name. */
    static boolean isFolder(String spec) {
        return folder(spec).isPresent();
    }

    /** Prints each file's download progress to stderr, one line per file, redrawn in place. */
    private static final class ProgressBar implements HubClient.Progress {
        @Override
        public void onBytes(String file, long done, long total) {
            int width = 30;
            int filled = total == 0 ? width : (int) (width * done / total);
            System.err.printf(java.util.Locale.ROOT, "\r%-40s [%s%s] %,d / %,d bytes", file, "#".repeat(filled),
                    ".".repeat(width - filled), done, total);
            if (done == total) {
                System.err.println();
            }
            System.err.flush();
        }
    }

    /** The config of a preset or a folder's {@code config.json}, without reading any weights. */
    static ModelConfig config(String spec) {
        if (isFolder(spec)) {
            return Checkpoints.readConfig(path(spec));
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
        return Tokenizers.forModel(spec != null && isFolder(spec) ? path(spec) : null);
    }

    /** The sampling defaults of a model folder's {@code generation_config.json} (none for a preset). */
    static dev.jgpt.model.generate.GenerationConfig generationConfig(String spec) {
        return spec != null && isFolder(spec) ? dev.jgpt.model.generate.GenerationConfig.read(path(spec))
                : dev.jgpt.model.generate.GenerationConfig.NONE;
    }

    /** Loads a folder (HuggingFace folder of a known family, or a jgpt checkpoint). */
    static LanguageModel load(String spec, ai.djl.Device device) {
        if (!isFolder(spec)) {
            throw new CheckpointException(
                    "--model '" + spec + "' is not a model folder (config.json + model.safetensors,"
                            + " or a jgpt checkpoint) or a Hub repository (owner/name)");
        }
        return LanguageModel.load(path(spec), device);
    }
}
