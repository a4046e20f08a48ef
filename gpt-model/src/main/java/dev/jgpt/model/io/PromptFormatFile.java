package dev.jgpt.model.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model folder's {@code prompt_format.json} ({@code {"format": "alpaca"}}): written with every
 * instruction-tuned model, read by {@code chat}, {@code serve} and the response generator.
 */
public final class PromptFormatFile {

    /** The file beside the weights. */
    public static final String FILE = "prompt_format.json";

    private PromptFormatFile() {}

    /** Writes {@code format} into the model folder {@code dir}, atomically. */
    public static void save(PromptFormat format, Path dir) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("format", format.fileName());
        AtomicFiles.writeString(dir.resolve(FILE), o.toString());
    }

    /**
     * The format stored in {@code dir}, or Alpaca (the only format the project tunes with) when
     * the folder has none.
     *
     * @throws IllegalArgumentException for a malformed file or an unknown format, naming the file
     */
    public static PromptFormat read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return PromptFormat.ALPACA;
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!o.has("format") || !o.get("format").isJsonPrimitive()) {
                throw new IllegalArgumentException("no \"format\" string");
            }
            return PromptFormat.byName(o.get("format").getAsString());
        } catch (IOException | JsonParseException | IllegalStateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": expected {\"format\": \"alpaca\"}: " + e.getMessage(), e);
        }
    }
}
