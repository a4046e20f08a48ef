package dev.jgpt.examples.serve;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * OpenAI's error body, {@code {"error": {"message", "type", "param", "code"}}}: the one shape of
 * every error this server sends, its own refusals and the HTTP layer's alike.
 */
final class OpenAiError {

    private OpenAiError() {}

    /** The body for {@code message}, of OpenAI's {@code type}, naming the request field {@code param} (or none). */
    static JsonObject body(String message, String type, String param) {
        JsonObject err = new JsonObject();
        err.addProperty("message", message);
        err.addProperty("type", type);
        err.add("param", param == null ? JsonNull.INSTANCE : new JsonPrimitive(param));
        err.add("code", JsonNull.INSTANCE);
        JsonObject o = new JsonObject();
        o.add("error", err);
        return o;
    }

    /** OpenAI's type for a status: {@code invalid_request_error} for 4xx, {@code server_error} for 5xx. */
    static String typeOf(int status) {
        return status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
    }
}
