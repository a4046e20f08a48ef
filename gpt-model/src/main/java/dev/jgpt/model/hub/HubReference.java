package dev.jgpt.model.hub;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model on the HuggingFace Hub: a repository id ({@code Qwen/Qwen3-0.6B}) and a revision (a
 * branch, a tag or a commit hash; {@code main} by default), written {@code REPO} or {@code
 * REPO@REVISION}. The GPT-2 sizes the book uses have short names: {@code gpt2}, {@code
 * gpt2-medium}, {@code gpt2-large}, {@code gpt2-xl} ({@code openai-community/...}).
 *
 * @param repoId {@code owner/name}
 * @param revision a branch, tag or 40-hex commit
 */
public record HubReference(String repoId, String revision) {

    /** The book's GPT-2 sizes by their old short names. */
    public static final Map<String, String> SHORT_NAMES = Map.of(
            "gpt2", "openai-community/gpt2",
            "gpt2-medium", "openai-community/gpt2-medium",
            "gpt2-large", "openai-community/gpt2-large",
            "gpt2-xl", "openai-community/gpt2-xl");

    // the Hub's own rules: names of letters, digits, '-', '_', '.'; no '--' or '..'; at most 96 characters
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,199}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** Validates both parts. */
    public HubReference {
        String[] parts = repoId.split("/", -1);
        if (parts.length != 2 || !valid(parts[0]) || !valid(parts[1])) {
            throw new IllegalArgumentException("'" + repoId + "' is not a Hub repository id (owner/name)");
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new IllegalArgumentException("'" + revision + "' is not a revision (a branch, a tag or a commit)");
        }
    }

    private static boolean valid(String part) {
        return NAME.matcher(part).matches() && !part.contains("--") && !part.contains("..");
    }

    /**
     * The reference {@code spec} names ({@code owner/name}, {@code owner/name@revision} or a short
     * name), or empty when it is not one.
     */
    public static Optional<HubReference> parse(String spec) {
        if (spec == null) {
            return Optional.empty();
        }
        String repo = spec;
        String revision = "main";
        int at = spec.indexOf('@');
        if (at >= 0) {
            repo = spec.substring(0, at);
            revision = spec.substring(at + 1);
        }
        repo = SHORT_NAMES.getOrDefault(repo, repo);
        Matcher m = Pattern.compile("([^/]+)/([^/]+)").matcher(repo);
        if (!m.matches() || !valid(m.group(1)) || !valid(m.group(2)) || !REVISION.matcher(revision).matches()
                || revision.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(new HubReference(repo, revision));
    }

    /** Whether the revision is a full commit hash (then nothing needs resolving). */
    public boolean isCommit() {
        return COMMIT.matcher(revision).matches();
    }

    /** The cache folder name {@code huggingface_hub} uses: {@code models--owner--name}. */
    public String cacheFolderName() {
        return "models--" + repoId.replace("/", "--");
    }

    @Override
    public String toString() {
        return revision.equals("main") ? repoId : repoId + "@" + revision;
    }
}
