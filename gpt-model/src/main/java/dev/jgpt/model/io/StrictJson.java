package dev.jgpt.model.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.HashSet;
import java.util.Set;

/**
 * JSON as the file formats mean it: one value, strict syntax, and no key twice in an object (Gson
 * keeps the last of two equal keys silently, so a crafted header could name a tensor twice).
 */
public final class StrictJson {

    /** An object names a key twice; the message is the key, quoted. */
    public static final class DuplicateKeyException extends JsonParseException {
        DuplicateKeyException(String key) {
            super("'" + key + "'");
        }
    }

    /** Values nested deeper than this are refused (a stack overflow otherwise). */
    private static final int MAX_DEPTH = 256;

    private StrictJson() {}

    /**
     * Parses {@code json}, which must be one JSON object.
     *
     * @throws DuplicateKeyException if an object names a key twice
     * @throws JsonParseException if the text is not one JSON object
     */
    public static JsonObject parseObject(String json) {
        JsonElement e = parse(json);
        if (!e.isJsonObject()) {
            throw new JsonParseException("expected a JSON object, got " + kind(e));
        }
        return e.getAsJsonObject();
    }

    /** Parses {@code json}, one JSON value with no key twice in any object. */
    public static JsonElement parse(String json) {
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(com.google.gson.Strictness.STRICT);
            JsonElement e = read(reader, 0);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("text after the JSON value");
            }
            return e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonParseException(e.getMessage(), e);
        }
    }

    private static JsonElement read(JsonReader reader, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new JsonParseException("nested deeper than " + MAX_DEPTH + " levels");
        }
        switch (reader.peek()) {
            case BEGIN_OBJECT: {
                JsonObject o = new JsonObject();
                Set<String> seen = new HashSet<>();
                reader.beginObject();
                while (reader.hasNext()) {
                    String key = reader.nextName();
                    if (!seen.add(key)) {
                        throw new DuplicateKeyException(key);
                    }
                    o.add(key, read(reader, depth + 1));
                }
                reader.endObject();
                return o;
            }
            case BEGIN_ARRAY: {
                JsonArray a = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    a.add(read(reader, depth + 1));
                }
                reader.endArray();
                return a;
            }
            case STRING:
                return new JsonPrimitive(reader.nextString());
            case NUMBER:
                return new JsonPrimitive(new java.math.BigDecimal(reader.nextString()));
            case BOOLEAN:
                return new JsonPrimitive(reader.nextBoolean());
            case NULL:
                reader.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new JsonParseException("unexpected " + reader.peek() + " at " + reader.getPath());
        }
    }

    private static String kind(JsonElement e) {
        return e.isJsonArray() ? "an array" : e.isJsonNull() ? "null" : "a " + (e.getAsJsonPrimitive().isString()
                ? "string" : e.getAsJsonPrimitive().isNumber() ? "number" : "boolean");
    }
}
