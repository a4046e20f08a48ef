package dev.jgpt.examples.serve;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * One request and its response on Jetty's core API, answered exactly once: a whole body sent
 * without blocking ({@link #send}, {@link #json}, {@link #error}), or a stream of server-sent
 * events, each written and flushed before the next ({@link #event}). What the access log and the
 * metrics need beyond the status (tokens, the first token's time) rides on request attributes.
 */
final class Exchange {

    static final String PROMPT_TOKENS = "jgpt.promptTokens";
    static final String COMPLETION_TOKENS = "jgpt.completionTokens";
    static final String FIRST_TOKEN_NANOS = "jgpt.firstTokenNanos";

    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    final Request request;
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean answered = new AtomicBoolean();

    Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    String method() {
        return request.getMethod();
    }

    /** The decoded path, without the query. */
    String path() {
        String p = request.getHttpURI().getDecodedPath();
        return p == null || p.isEmpty() ? "/" : p;
    }

    void header(String name, String value) {
        response.getHeaders().add(name, value);
    }

    /** Whether the response is still to be given (nothing sent, no stream started). */
    boolean unanswered() {
        return !answered.get();
    }

    /** Sends {@code body} whole and ends the exchange. */
    void send(int status, String contentType, byte[] body) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    void json(int status, JsonObject body) {
        send(status, "application/json", GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    /** An OpenAI-style error. */
    void error(int status, String message, String type, String param) {
        json(status, OpenAiError.body(message, type, param));
    }

    /** Starts a 200 stream of server-sent events. */
    void startEvents() {
        answered.set(true);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    }

    /** Writes {@code data: <json>} and waits until it is sent; false when the client is gone (or stopped reading). */
    boolean event(JsonObject chunk) {
        return write("data: " + GSON.toJson(chunk) + "\n\n");
    }

    /** Writes {@code data: [DONE]} and ends the stream (or, if the client is gone, just ends it). */
    void endEvents() {
        if (write("data: [DONE]\n\n")) {
            response.write(true, null, callback);
        } else {
            callback.failed(new EofException("The client is gone"));
        }
    }

    /** Ends a stream that could not go on (the client left, the server stops). */
    void abort(Throwable why) {
        callback.failed(why);
    }

    private boolean write(String text) {
        try (Blocker.Callback sent = Blocker.callback()) {
            response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), sent);
            sent.block();
            return true;
        } catch (IOException | IllegalStateException e) {
            // gone, timed out, interrupted at the shutdown deadline, or the response already failed
            return false;
        }
    }

    /** Records a generation's token counts for the access log and the metrics. */
    void tokens(int prompt, int completion) {
        request.setAttribute(PROMPT_TOKENS, prompt);
        request.setAttribute(COMPLETION_TOKENS, completion);
    }

    /** Records the first streamed token's time (once). */
    void firstToken() {
        if (request.getAttribute(FIRST_TOKEN_NANOS) == null) {
            request.setAttribute(FIRST_TOKEN_NANOS, System.nanoTime());
        }
    }
}
