package dev.jgpt.datasets;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The book's instruction data (chapter 7): a JSON array of {@code {instruction, input, output}},
 * the Alpaca prompt format, and the 85/10/5 split.
 */
public final class InstructionData {

    /** The Alpaca preamble. */
    public static final String PREAMBLE = PromptFormat.PREAMBLE;

    private InstructionData() {}

    /**
     * Parses the JSON array.
     *
     * @throws DatasetException naming the index of a malformed entry
     */
    public static List<InstructionExample> parse(Path json) {
        JsonArray array = parseArray(json);
        List<InstructionExample> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonObject o = entry(json, array, i);
            out.add(new InstructionExample(
                    field(json, i, o, "instruction", true),
                    field(json, i, o, "input", false),
                    field(json, i, o, "output", true)));
        }
        if (out.isEmpty()) {
            throw new DatasetException(json + " holds no entries: expected a JSON array of objects with"
                    + " 'instruction', optional 'input' and 'output'");
        }
        return out;
    }

    /**
     * The JSON array in {@code json}.
     *
     * @throws DatasetException if the file is not valid JSON or not an array
     */
    public static JsonArray parseArray(Path json) {
        String text = TextFiles.read(json);
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonArray()) {
                throw new DatasetException(json + ": expected a JSON array of entries");
            }
            return root.getAsJsonArray();
        } catch (JsonParseException e) {
            throw new DatasetException(json + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Entry {@code index} of {@code array}.
     *
     * @throws DatasetException naming the entry if it is not an object
     */
    public static JsonObject entry(Path json, JsonArray array, int index) {
        JsonElement e = array.get(index);
        if (!e.isJsonObject()) {
            throw new DatasetException(json + ": entry " + index + " is not an object");
        }
        return e.getAsJsonObject();
    }

    /**
     * String field {@code name} of entry {@code index}; {@code ""} when absent and not required.
     *
     * @throws DatasetException naming the entry and field if it is missing or not a string
     */
    public static String field(Path json, int index, JsonObject o, String name, boolean required) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new DatasetException(json + ": entry " + index + " has no '" + name + "'");
            }
            return "";
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DatasetException(json + ": entry " + index + " field '" + name + "' is not a string");
        }
        return e.getAsString();
    }

    /**
     * The prompt, exactly as the book's {@code format_input}: the preamble, {@code ###
     * Instruction:}, and {@code ### Input:} only when the input is non-empty.
     */
    public static String formatPrompt(InstructionExample e) {
        return PromptFormat.ALPACA.instruction(e.instruction(), e.input());
    }

    /** The text the model is trained on: the prompt, {@code ### Response:} and the output. */
    public static String formatFull(InstructionExample e) {
        return formatPrompt(e) + responsePrefix() + e.output();
    }

    /** What separates the prompt from the response. */
    public static String responsePrefix() {
        return PromptFormat.ALPACA.responsePrefix();
    }

    /**
     * The book's split, in file order: the first {@code int(0.85 n)} for training, the next
     * {@code int(0.1 n)} for testing, the rest for validation (935 / 110 / 55 of 1,100).
     *
     * @throws DatasetException when a split would be empty (fewer than 10 entries)
     */
    public static Splits<InstructionExample> split(List<InstructionExample> data) {
        int train = (int) (data.size() * 0.85);
        int test = (int) (data.size() * 0.1);
        if (train == 0 || test == 0 || data.size() - train - test == 0) {
            throw new DatasetException(String.format(java.util.Locale.ROOT, "%d instruction entries are too few for"
                    + " a training, a test and a validation split (85/10/5: %d/%d/%d); at least 10 are needed",
                    data.size(), train, test, data.size() - train - test));
        }
        return new Splits<>(data.subList(0, train), data.subList(train + test, data.size()),
                data.subList(train, train + test));
    }
}
