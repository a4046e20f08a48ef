package dev.jgpt.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one rule for which tokenizer a model uses: the model folder's own {@code tokenizer.json}
 * (with its special tokens, {@link HfTokenizer}) if it has one, else the family's default, which
 * for GPT-2 is the built-in tokenizer. The CLI, the classifier, the server and DJL's {@code
 * Criteria} path all ask here.
 */
public final class Tokenizers {

    private Tokenizers() {}

    /**
     * The tokenizer for the model in {@code dir}, or the default one when {@code dir} is {@code
     * null} (a model made from a preset).
     *
     * @throws IllegalArgumentException if the folder's tokenizer files cannot be read or are malformed
     */
    public static Tokenizer forModel(Path dir) {
        if (dir != null && Files.isRegularFile(dir.resolve(HfTokenizer.TOKENIZER_FILE))) {
            try {
                return HfTokenizer.fromFolder(dir);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the tokenizer of " + dir + ": " + e, e);
            }
        }
        return Gpt2Tokenizer.builtIn();
    }
}
