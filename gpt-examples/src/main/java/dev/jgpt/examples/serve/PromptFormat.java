package dev.jgpt.examples.serve;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.datasets.InstructionData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How chat messages become a prompt, stored with the model as {@code prompt_format.json}
 * ({@code {"format": "alpaca"}}, written by {@code jgpt finetune-instruct}). Alpaca: an optional
 * system message replaces the preamble; each user turn is an {@code ### Instruction:} and each
 * assistant turn a {@code ### Response:}; the prompt ends with {@code ### Response:}, so a single
 * user message is exactly the prompt the model was tuned on.
 */
public enum PromptFormat {
    /** The book's Alpaca format. */
    ALPACA;

    /** The file beside the weights. */
    public static final String FILE = "prompt_format.json";

    /** One chat message. */
    public record Message(String role, String content) {}

    /** Writes this format into the model folder {@code dir}. */
    public void save(Path dir) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("format", name().toLowerCase(java.util.Locale.ROOT));
        dev.jgpt.model.io.AtomicFiles.writeString(dir.resolve(FILE), o.toString());
    }

    /**
     * The format stored in {@code dir}, or Alpaca (the only format the project tunes with) when
     * the folder has none.
     *
     * @throws IllegalArgumentException for a malformed file or an unknown format
     */
    public static PromptFormat of(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return ALPACA;
        }
        try {
            String name = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject().get("format").getAsString();
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IOException | JsonParseException | IllegalStateException | NullPointerException
                | UnsupportedOperationException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": expected {\"format\": \"alpaca\"}: " + e.getMessage(), e);
        }
    }

    /** The prompt for {@code messages}; the last must be the user's. */
    public String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        String preamble = InstructionData.PREAMBLE;
        int start = 0;
        if (!messages.isEmpty() && messages.get(0).role().equals("system")) {
            preamble = messages.get(0).content();
            start = 1;
        }
        sb.append(preamble);
        for (Message m : messages.subList(start, messages.size())) {
            sb.append(m.role().equals("user") ? "\n\n### Instruction:\n" : InstructionData.responsePrefix())
                    .append(m.content());
        }
        return sb.append(InstructionData.responsePrefix()).toString();
    }
}
