package dev.jgpt.model.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code testdata/tiny-gpt2}: a HuggingFace GPT-2 folder and its reference outputs. */
public final class TinyGpt2Fixture {

    /** The folder. */
    public final Path dir;
    /** {@code input_ids}, {@code (2, 12)}. */
    public final long[][] inputIds;
    /** {@code logits_shape}. */
    public final long[] logitsShape;
    /** The reference logits, row-major. */
    public final float[] logits;
    /** {@code greedy_prompt_ids}. */
    public final long[] greedyPrompt;
    /** {@code greedy_continuation_ids}. */
    public final long[] greedyContinuation;
    /** {@code last_position_argmax}. */
    public final long[] lastArgmax;
    /** Absolute and relative tolerance. */
    public final double atol;
    /** Relative tolerance. */
    public final double rtol;

    private TinyGpt2Fixture(Path dir) throws IOException {
        this.dir = dir;
        JsonObject o = JsonParser.parseString(Files.readString(dir.resolve("expected.json")))
                .getAsJsonObject();
        JsonArray rows = o.getAsJsonArray("input_ids");
        inputIds = new long[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            inputIds[i] = longs(rows.get(i).getAsJsonArray());
        }
        logitsShape = longs(o.getAsJsonArray("logits_shape"));
        greedyPrompt = longs(o.getAsJsonArray("greedy_prompt_ids"));
        greedyContinuation = longs(o.getAsJsonArray("greedy_continuation_ids"));
        lastArgmax = longs(o.getAsJsonArray("last_position_argmax"));
        atol = o.getAsJsonObject("tolerance").get("abs").getAsDouble();
        rtol = o.getAsJsonObject("tolerance").get("rel").getAsDouble();
        byte[] raw = Files.readAllBytes(dir.resolve("expected-logits.f32"));
        logits = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(logits);
    }

    /** Loads the fixture from {@code testdata/}. */
    public static TinyGpt2Fixture load() {
        try {
            return new TinyGpt2Fixture(TestData.fixture("tiny-gpt2"));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the tiny-gpt2 fixture: " + e, e);
        }
    }

    /** The input ids flattened row-major. */
    public long[] flatInputIds() {
        int cols = inputIds[0].length;
        long[] flat = new long[inputIds.length * cols];
        for (int i = 0; i < inputIds.length; i++) {
            System.arraycopy(inputIds[i], 0, flat, i * cols, cols);
        }
        return flat;
    }

    /** Largest violation of {@code |a - e| <= atol + rtol * |e|}; {@code <= 0} means a match. */
    public double worstViolation(float[] actual) {
        if (actual.length != logits.length) {
            throw new AssertionError("Got " + actual.length + " logits, expected " + logits.length);
        }
        double worst = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            double excess = Math.abs(actual[i] - logits[i]) - (atol + rtol * Math.abs(logits[i]));
            worst = Math.max(worst, excess);
        }
        return worst;
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
