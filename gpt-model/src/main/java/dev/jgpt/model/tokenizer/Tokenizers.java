package dev.jgpt.model.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one rule for which tokenizer a model uses: the model folder's own {@code tokenizer.json}
 * (with its special tokens, {@link HfTokenizer}) if it has one, else the family's default. Only
 * GPT-2 has a built-in default (OpenAI's BPE, {@link Gpt2Tokenizer#builtIn()}); a folder of
 * another family ({@code model_type} in its {@code config.json}) without {@code tokenizer.json}
 * is an error rather than a silently wrong tokenizer. The CLI, the classifier, the server and
 * DJL's {@code Criteria} path all ask here.
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
        String type = dir == null ? GPT2 : modelType(dir);
        if (!GPT2.equals(type)) {
            throw new IllegalArgumentException(dir + " has no " + HfTokenizer.TOKENIZER_FILE + ", and a '" + type
                    + "' model has no built-in tokenizer (only GPT-2 has one): copy the model's tokenizer files"
                    + " into the folder");
        }
        return Gpt2Tokenizer.builtIn();
    }

    private static final String GPT2 = "gpt2";

    /** The folder's {@code model_type}; GPT-2 when there is no readable config or no such field. */
    private static String modelType(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return GPT2;
        }
        try {
            com.google.gson.JsonElement json = com.google.gson.JsonParser.parseString(
                    Files.readString(config, java.nio.charset.StandardCharsets.UTF_8));
            com.google.gson.JsonElement type = json.isJsonObject() ? json.getAsJsonObject().get("model_type") : null;
            return type != null && type.isJsonPrimitive() ? type.getAsString() : GPT2;
        } catch (IOException | RuntimeException e) {
            return GPT2; // the model loader reports a broken config, naming the field
        }
    }
}
