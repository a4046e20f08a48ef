package dev.jgpt.training;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.jgpt.datasets.DatasetException;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Model responses to instruction examples (the book's section 7.7): generate greedily from each
 * prompt until end-of-text, keep only the response, and store it beside the entry as {@code
 * model_response} in a JSON array.
 */
public final class InstructionResponses {

    /** One entry with the model's response. */
    public record Response(InstructionExample example, String modelResponse) {}

    /** Called after each response. */
    public interface Progress {
        /** Response {@code index} (0-based) of {@code total} is done. */
        void done(int index, int total, Response response);
    }

    private InstructionResponses() {}

    /**
     * The response part of a generated continuation of the prompt: without the {@code ###
     * Response:} header (the book's {@code .replace("### Response:", "").strip()}).
     */
    public static String extract(String continuation) {
        return continuation.replace("### Response:", "").strip();
    }

    /** Generates a greedy response in the Alpaca format of at most {@code maxNewTokens} tokens for each example. */
    public static List<Response> generate(LanguageModel lm, Tokenizer tokenizer,
            List<InstructionExample> examples, int maxNewTokens, Progress progress) {
        return generate(lm, tokenizer, InstructionFormat.alpaca(false), examples, maxNewTokens, progress);
    }

    /**
     * Generates a greedy response of at most {@code maxNewTokens} tokens for each example,
     * prompted in {@code format} (the one the model was tuned in) and stopping at the tokenizer's
     * end ids.
     */
    public static List<Response> generate(LanguageModel lm, Tokenizer tokenizer, InstructionFormat format,
            List<InstructionExample> examples, int maxNewTokens, Progress progress) {
        TextGenerator generator = new TextGenerator(lm, tokenizer);
        SamplingConfig greedy = SamplingConfig.greedy(maxNewTokens).withEndIdsOf(tokenizer);
        List<Response> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            InstructionExample e = examples.get(i);
            String continuation = generator.generate(format.prompt(e), greedy, null);
            Response r = new Response(e, format.response(continuation));
            out.add(r);
            if (progress != null) {
                progress.done(i, examples.size(), r);
            }
        }
        return out;
    }

    /** Writes the entries with {@code model_response} as a JSON array (atomically). */
    public static void write(List<Response> responses, Path file) {
        JsonArray array = new JsonArray();
        for (Response r : responses) {
            JsonObject o = new JsonObject();
            o.addProperty("instruction", r.example().instruction());
            o.addProperty("input", r.example().input());
            o.addProperty("output", r.example().output());
            o.addProperty("model_response", r.modelResponse());
            array.add(o);
        }
        try {
            AtomicFiles.writeString(file, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
                    .create().toJson(array));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e, e);
        }
    }

    /**
     * Reads a file written by {@link #write} (or the book's {@code
     * instruction-data-with-response.json}).
     *
     * @param key the response field, {@code model_response} by default
     * @throws DatasetException naming the entry and field that is missing or not a string
     */
    public static List<Response> read(Path file, String key) {
        JsonArray array = InstructionData.parseArray(file);
        List<Response> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonObject o = InstructionData.entry(file, array, i);
            out.add(new Response(new InstructionExample(InstructionData.field(file, i, o, "instruction", true),
                    InstructionData.field(file, i, o, "input", false),
                    InstructionData.field(file, i, o, "output", true)),
                    InstructionData.field(file, i, o, key, true)));
        }
        return out;
    }
}
