package dev.jgpt.model.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * What a model reference names, the one rule every command that takes {@code --model} follows:
 * an existing folder is that folder; else a Hub repository id ({@code Qwen/Qwen3-0.6B}, {@code
 * Qwen/Qwen3-0.6B@REVISION}, or a short name such as {@code gpt2}) is its snapshot in the
 * HuggingFace cache, downloaded first when the cache lacks it ({@link HubClient#model}); anything
 * else (a preset name such as {@code qwen3-0.6b}) names no folder.
 */
public final class ModelReferences {

    private ModelReferences() {}

    /**
     * The folder {@code spec} names, downloading it with {@code hub} if needed, or empty for a
     * name that is neither a folder nor a Hub reference.
     *
     * @throws HubException when a Hub reference cannot be had (one line saying why)
     */
    public static Optional<Path> folder(String spec, HubClient hub) {
        if (spec == null || spec.isBlank()) {
            return Optional.empty();
        }
        Path local = Paths.get(spec);
        if (Files.isDirectory(local)) {
            return Optional.of(local);
        }
        Optional<HubReference> ref = HubReference.parse(spec);
        if (ref.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(hub.model(ref.get()));
        } catch (HubException e) {
            // runs/model may be a folder the user mistyped as much as a repository
            throw new HubException("No folder '" + spec + "' here, and as a Hub repository: " + e.getMessage(), e);
        }
    }

    /**
     * The folder whose tokenizer a model made from a preset of {@code family} uses: {@code spec}
     * when given (a folder, or a Hub repository whose tokenizer files alone are fetched), else the
     * family's own tokenizer repository ({@link dev.jgpt.model.nn.ModelFamily#tokenizerRepository});
     * empty for a family with a built-in tokenizer (GPT-2) and no {@code spec}.
     *
     * @throws HubException when a Hub repository cannot be had
     * @throws IllegalArgumentException when {@code spec} is neither a folder nor a repository id
     */
    public static Optional<Path> tokenizerFolder(String spec, dev.jgpt.model.nn.ModelFamily family, HubClient hub) {
        String source = spec != null && !spec.isBlank() ? spec : family.tokenizerRepository();
        if (source == null) {
            return Optional.empty();
        }
        Path local = Paths.get(source);
        if (Files.isDirectory(local)) {
            return Optional.of(local);
        }
        HubReference ref = HubReference.parse(source).orElseThrow(() -> new IllegalArgumentException("Tokenizer '"
                + source + "' is neither a folder nor a Hub repository (owner/name)"));
        try {
            return Optional.of(hub.tokenizer(ref));
        } catch (HubException e) {
            throw new HubException("The tokenizer of " + ref.repoId() + " (for a fresh " + family.modelType()
                    + " model; --tokenizer DIR names another): " + e.getMessage(), e);
        }
    }

    /** The name a server reports for {@code spec}: the repository id of a Hub reference, else the folder's name. */
    public static String displayName(String spec) {
        if (!Files.isDirectory(Paths.get(spec))) {
            Optional<HubReference> ref = HubReference.parse(spec);
            if (ref.isPresent()) {
                return ref.get().repoId();
            }
        }
        return Paths.get(spec).toAbsolutePath().normalize().getFileName().toString();
    }
}
