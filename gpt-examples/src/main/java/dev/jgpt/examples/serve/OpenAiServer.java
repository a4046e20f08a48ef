package dev.jgpt.examples.serve;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.jgpt.model.io.StrictJson;
import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible HTTP server on the JDK's own {@code HttpServer} (no dependency: it
 * streams chunked responses, which is all server-sent events need): {@code GET /} (a chat page
 * that streams from {@code /v1/chat/completions}), {@code GET /health}, {@code
 * GET /v1/models}, {@code POST /v1/completions} and {@code POST /v1/chat/completions} (messages
 * rendered with the model's {@link ChatFormat}: its chat template, with {@code chat_template_kwargs},
 * or its stored {@link PromptFormat}), {@code stream: true} as server-sent events in
 * OpenAI's chunk formats ending in {@code data: [DONE]}. At most {@code maxConcurrency} generations run at once and
 * at most {@code maxQueue} more wait for a slot (each up to {@link #QUEUE_WAIT_SECONDS} s, then 503); a request beyond
 * that gets 429 with {@code Retry-After} at once, so memory and waiting stay bounded under any load.
 * Bad requests get 400 with an OpenAI-style error naming the field.
 */
public final class OpenAiServer implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenAiServer.class);

    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final byte[] CHAT_PAGE = chatPage();

    /** The largest request body read (1 MiB). */
    public static final int MAX_BODY_BYTES = 1 << 20;

    /** How long a queued request waits for a slot before a 503. */
    public static final int QUEUE_WAIT_SECONDS = 30;

    private final CompletionService service;
    private final ChatFormat format;
    private final GenerationConfig defaults;
    private final String modelName;
    private final Semaphore slots;
    private final Semaphore admission;
    private final int maxConcurrency;
    private final HttpServer http;
    private final ExecutorService executor;
    private final long created = System.currentTimeMillis() / 1000;

    /**
     * Binds to {@code host:port} ({@code port} 0 picks a free one) and starts serving.
     *
     * @param modelName the id clients name in {@code model}
     */
    public OpenAiServer(CompletionService service, String modelName, String host, int port, int maxConcurrency)
            throws IOException {
        this(service, ChatFormat.of(PromptFormat.ALPACA), OPENAI_DEFAULTS, modelName, host, port, maxConcurrency, 0);
    }

    /** The sampling of a request that sets none, for a model folder that recommends none: OpenAI's (temperature 1). */
    public static final GenerationConfig OPENAI_DEFAULTS = new GenerationConfig(true, 1f, 0, 1f);

    /**
     * As above, rendering chat messages with {@code format} (the model's chat template, or the
     * prompt format stored with it), sampling as {@code defaults} (the folder's {@code
     * generation_config.json}, else {@link #OPENAI_DEFAULTS}) where a request sets nothing, and
     * letting up to {@code maxQueue} requests wait for a slot.
     */
    public OpenAiServer(CompletionService service, ChatFormat format, GenerationConfig defaults, String modelName,
            String host, int port, int maxConcurrency, int maxQueue) throws IOException {
        if (maxConcurrency < 1 || maxQueue < 0) {
            throw new IllegalArgumentException("maxConcurrency must be >= 1 and maxQueue >= 0, got " + maxConcurrency
                    + " and " + maxQueue);
        }
        this.service = service;
        this.format = format;
        this.defaults = defaults;
        this.modelName = modelName;
        this.maxConcurrency = maxConcurrency;
        this.slots = new Semaphore(maxConcurrency);
        this.admission = new Semaphore(maxConcurrency + maxQueue);
        try {
            this.http = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (java.net.BindException e) {
            throw new java.net.BindException("Cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        // generating and queued requests each hold a thread; a few more answer cheap requests and 429s
        this.executor = Executors.newFixedThreadPool(maxConcurrency + maxQueue + 4, r -> {
            Thread t = new Thread(r, "jgpt-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::route);
        http.start();
    }

    /** The generation slots (tests watch them). */
    Semaphore slots() {
        return slots;
    }

    /** Takes a queue place as a waiting request does, until closed (tests use it to fill the queue). */
    AutoCloseable occupyQueuePlace() throws InterruptedException {
        admission.acquire();
        return admission::release;
    }

    /** Takes a slot as a generating request does, until closed (tests use it to fill the server). */
    AutoCloseable occupySlot() throws InterruptedException {
        admission.acquire();
        slots.acquire();
        return () -> {
            slots.release();
            admission.release();
        };
    }

    /** The port the server listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            switch (path) {
                case "/" -> expect(ex, method, "GET", () -> page(ex));
                case "/health" -> expect(ex, method, "GET", () -> json(ex, 200, health()));
                case "/v1/models" -> expect(ex, method, "GET", () -> json(ex, 200, models()));
                case "/v1/completions" -> expect(ex, method, "POST", () -> generate(ex, false));
                case "/v1/chat/completions" -> expect(ex, method, "POST", () -> generate(ex, true));
                default -> error(ex, 404, "Unknown path " + shown(path), "invalid_request_error", null);
            }
        } catch (RuntimeException e) {
            // never let an exception kill the connection silently
            try {
                LOG.error("Internal error answering {} {}", ex.getRequestMethod(), shown(ex.getRequestURI().getPath()), e);
                error(ex, 500, "Internal error (the server's log has the details)", "server_error", null);
            } catch (IOException | RuntimeException ignored) {
                // the response was already started; nothing more to say
            }
        }
    }

    private interface Handler {
        void handle() throws IOException;
    }

    private void expect(HttpExchange ex, String method, String want, Handler h) throws IOException {
        if (!method.equalsIgnoreCase(want)) {
            ex.getResponseHeaders().add("Allow", want);
            error(ex, 405, "Use " + want + " for " + ex.getRequestURI().getPath(), "invalid_request_error", null);
            return;
        }
        h.handle();
    }

    /** The chat page: one static file, no build step. */
    private static void page(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
        // the page talks to this server only
        ex.getResponseHeaders().add("Content-Security-Policy",
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
        ex.sendResponseHeaders(200, CHAT_PAGE.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(CHAT_PAGE);
        }
    }

    private static byte[] chatPage() {
        try (var in = OpenAiServer.class.getResourceAsStream("chat.html")) {
            if (in == null) {
                throw new IllegalStateException("chat.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonObject health() {
        JsonObject o = new JsonObject();
        o.addProperty("status", "ok");
        o.addProperty("model", modelName);
        o.addProperty("slots", maxConcurrency);
        o.addProperty("busy_slots", maxConcurrency - slots.availablePermits());
        o.addProperty("available_slots", slots.availablePermits());
        o.addProperty("queued", slots.getQueueLength());
        return o;
    }

    private JsonObject models() {
        JsonObject m = new JsonObject();
        m.addProperty("id", modelName);
        m.addProperty("object", "model");
        m.addProperty("created", created);
        m.addProperty("owned_by", "jgpt");
        JsonArray data = new JsonArray();
        data.add(m);
        JsonObject o = new JsonObject();
        o.addProperty("object", "list");
        o.add("data", data);
        return o;
    }

    /** {@code /v1/completions} or, with {@code chat}, {@code /v1/chat/completions}. */
    private void generate(HttpExchange ex, boolean chat) throws IOException {
        JsonObject body;
        // no prompt that fits a GPT-2 context comes near this; a larger body is refused unread
        byte[] raw = ex.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        if (raw.length > MAX_BODY_BYTES) {
            drain(ex.getRequestBody());
            error(ex, 413, "The request body is larger than " + MAX_BODY_BYTES + " bytes", "invalid_request_error",
                    null);
            return;
        }
        try {
            // strictly, as OpenAI parses: no single quotes, bare names or comments, no key twice
            JsonElement parsed = StrictJson.parse(new String(raw, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                error(ex, 400, "The request body must be a JSON object", "invalid_request_error", null);
                return;
            }
            body = parsed.getAsJsonObject();
        } catch (StrictJson.DuplicateKeyException e) {
            error(ex, 400, "The request body names " + e.getMessage() + " twice", "invalid_request_error", null);
            return;
        } catch (JsonParseException e) {
            error(ex, 400, "The request body is not valid JSON" + position(e.getMessage()), "invalid_request_error",
                    null);
            return;
        }
        CompletionService.Request request;
        boolean stream;
        long[] promptIds;
        try {
            request = chat ? parseChat(body) : parseCompletion(body);
            stream = bool(body, "stream", false);
            // checked before queueing, so a request that cannot run never takes a place
            promptIds = service.check(request);
        } catch (CompletionService.InvalidRequest e) {
            error(ex, 400, e.getMessage(), "invalid_request_error", e.param());
            return;
        }
        if (!admission.tryAcquire()) {
            ex.getResponseHeaders().add("Retry-After", "1");
            error(ex, 429, "The server is busy: all generation slots and queue places are taken; retry shortly",
                    "rate_limit_error", null);
            return;
        }
        try {
            if (!awaitSlot()) {
                ex.getResponseHeaders().add("Retry-After", "5");
                error(ex, 503, "No generation slot came free within " + QUEUE_WAIT_SECONDS + " s; retry later",
                        "server_overloaded", null);
                return;
            }
            try {
                if (stream) {
                    stream(ex, request, promptIds, chat);
                } else {
                    CompletionService.Result r = service.complete(request, promptIds, null);
                    json(ex, 200, response(chat, false, "cmpl-" + UUID.randomUUID(), r.text(), r.finishReason(),
                            usage(r), false));
                }
            } finally {
                slots.release();
            }
        } finally {
            admission.release();
        }
    }

    /**
     * Reads and drops the rest of a refused body, so the client is not reset while still sending
     * and sees the error; past 64 MiB the connection is simply closed.
     */
    private static void drain(java.io.InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < (64L << 20) && (n = in.read(buf)) > 0) {
            total += n;
        }
    }

    /** Waits in the bounded queue for a generation slot; false after the wait or on shutdown. */
    private boolean awaitSlot() {
        try {
            return slots.tryAcquire(QUEUE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void stream(HttpExchange ex, CompletionService.Request request, long[] promptIds, boolean chat)
            throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream os = ex.getResponseBody();
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
        boolean[] first = {true};
        CompletionService.Result r = service.complete(request, promptIds, piece -> {
            try {
                event(os, response(chat, true, id, piece, null, null, first[0]));
                first[0] = false;
                return true;
            } catch (IOException e) {
                return false; // the client went away: stop generating
            }
        });
        try {
            event(os, response(chat, true, id, "", r.finishReason(), usage(r), first[0]));
            os.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            os.flush();
        } catch (IOException e) {
            // the client went away after the last token
        }
    }

    private static void event(OutputStream os, JsonObject chunk) throws IOException {
        os.write(("data: " + GSON.toJson(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
        os.flush();
    }

    /**
     * A response or stream chunk in OpenAI's shapes: {@code text_completion} with {@code text},
     * or {@code chat.completion} with {@code message} / {@code chat.completion.chunk} with
     * {@code delta} (the first delta carries the role).
     */
    private JsonObject response(boolean chat, boolean chunk, String id, String text, String finishReason,
            JsonObject usage, boolean firstChunk) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        if (chat) {
            JsonObject message = new JsonObject();
            if (!chunk || firstChunk) {
                message.addProperty("role", "assistant");
            }
            if (!chunk || !text.isEmpty() || finishReason == null) {
                message.addProperty("content", text);
            }
            choice.add(chunk ? "delta" : "message", message);
        } else {
            choice.addProperty("text", text);
            choice.add("logprobs", JsonNull.INSTANCE);
        }
        choice.add("finish_reason", finishReason == null ? JsonNull.INSTANCE : new JsonPrimitive(finishReason));
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        o.addProperty("created", System.currentTimeMillis() / 1000);
        o.addProperty("model", modelName);
        o.add("choices", choices);
        if (usage != null) {
            o.add("usage", usage);
        }
        return o;
    }

    private static JsonObject usage(CompletionService.Result r) {
        JsonObject u = new JsonObject();
        u.addProperty("prompt_tokens", r.promptTokens());
        u.addProperty("completion_tokens", r.completionTokens());
        u.addProperty("total_tokens", r.promptTokens() + r.completionTokens());
        return u;
    }

    /** The request fields of {@code /v1/completions}, with OpenAI's defaults. */
    CompletionService.Request parseCompletion(JsonObject b) {
        checkModel(b);
        if (!b.has("prompt") || b.get("prompt").isJsonNull()) {
            throw new CompletionService.InvalidRequest("prompt", "'prompt' is required");
        }
        return sampling(b, prompt(b.get("prompt")), false, 16);
    }

    /**
     * The request fields of {@code /v1/chat/completions}: the messages rendered with the model's
     * prompt format; {@code max_tokens} defaults to what the context leaves, at most 256.
     */
    CompletionService.Request parseChat(JsonObject b) {
        checkModel(b);
        JsonElement m = b.get("messages");
        if (m == null || !m.isJsonArray() || m.getAsJsonArray().isEmpty()) {
            throw new CompletionService.InvalidRequest("messages", "'messages' must be a non-empty list");
        }
        List<ChatMessage> messages = new ArrayList<>();
        JsonArray array = m.getAsJsonArray();
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            String at = "messages[" + i + "]";
            if (!e.isJsonObject()) {
                throw new CompletionService.InvalidRequest(at, "'" + at + "' must be an object");
            }
            JsonObject o = e.getAsJsonObject();
            String role = o.has("role") && o.get("role").isJsonPrimitive() ? o.get("role").getAsString() : "";
            // a chat template knows its own roles (tool, ...) and refuses what it cannot render
            boolean known = format.hasTemplate() ? !role.isEmpty()
                    : role.equals("user") || role.equals("assistant") || (role.equals("system") && i == 0);
            if (!known) {
                throw new CompletionService.InvalidRequest(at + ".role", "'" + at + ".role' must be user or"
                        + " assistant (or system, first), got '" + role + "'");
            }
            messages.add(new ChatMessage(role, content(o.get("content"), at + ".content")));
        }
        if (!format.hasTemplate() && !messages.get(messages.size() - 1).role().equals("user")) {
            throw new CompletionService.InvalidRequest("messages", "The last message must be the user's");
        }
        java.util.Map<String, Object> kwargs = java.util.Map.of();
        JsonElement k = b.get("chat_template_kwargs");
        if (k != null && !k.isJsonNull()) {
            if (!k.isJsonObject()) {
                throw new CompletionService.InvalidRequest("chat_template_kwargs",
                        "'chat_template_kwargs' must be an object, e.g. {\"enable_thinking\": false}");
            }
            if (!format.hasTemplate()) {
                throw new CompletionService.InvalidRequest("chat_template_kwargs", "This model has no chat template"
                        + " (it uses the " + format.describe() + "): 'chat_template_kwargs' does not apply");
            }
            kwargs = ChatFormat.argumentsOf(k.getAsJsonObject());
        }
        String prompt;
        try {
            prompt = format.prompt(messages, kwargs);
        } catch (IllegalArgumentException e) {
            throw new CompletionService.InvalidRequest("messages", e.getMessage());
        }
        int room = service.contextLength() - service.countTokens(prompt, true);
        return sampling(b, prompt, true, Math.max(1, Math.min(256, room)));
    }

    /** A message's content: a string, or OpenAI's list of parts whose {@code text} parts are joined. */
    private static String content(JsonElement c, String at) {
        if (c != null && c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
            return c.getAsString();
        }
        if (c != null && c.isJsonArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonElement part : c.getAsJsonArray()) {
                if (!part.isJsonObject() || !"text".equals(stringOrNull(part.getAsJsonObject(), "type"))
                        || stringOrNull(part.getAsJsonObject(), "text") == null) {
                    throw new CompletionService.InvalidRequest(at, "'" + at + "' parts must be {\"type\": \"text\","
                            + " \"text\": ...}: only text is supported");
                }
                sb.append(part.getAsJsonObject().get("text").getAsString());
            }
            return sb.toString();
        }
        throw new CompletionService.InvalidRequest(at, "'" + at + "' must be a string");
    }

    private static String stringOrNull(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    private void checkModel(JsonObject b) {
        if (b.has("model") && !b.get("model").isJsonNull()) {
            String m = string(b, "model");
            if (!m.equals(modelName)) {
                throw new CompletionService.InvalidRequest("model", "Unknown model '" + m + "'; this server has '"
                        + modelName + "'");
            }
        }
    }

    /** The sampling fields shared by both endpoints. */
    private CompletionService.Request sampling(JsonObject b, String prompt, boolean chat, int defaultMaxTokens) {
        // chat clients of today send max_completion_tokens (max_tokens is its deprecated name)
        String limit = b.has("max_completion_tokens") && !b.get("max_completion_tokens").isJsonNull()
                ? "max_completion_tokens" : "max_tokens";
        int maxTokens = integer(b, limit, defaultMaxTokens);
        if (maxTokens < 1) {
            throw new CompletionService.InvalidRequest(limit, "'" + limit + "' must be >= 1, got " + maxTokens);
        }
        Float given = number(b, "temperature");
        float temperature = given == null ? 0f : given;
        if (!(temperature >= 0) || temperature > 2) {
            throw new CompletionService.InvalidRequest("temperature", "'temperature' must be in [0, 2], got "
                    + temperature);
        }
        Float givenTopP = number(b, "top_p");
        float topP = givenTopP == null ? 1f : givenTopP;
        if (!(topP > 0 && topP <= 1)) {
            throw new CompletionService.InvalidRequest("top_p", "'top_p' must be in (0, 1], got " + topP);
        }
        Integer givenTopK = b.has("top_k") && !b.get("top_k").isJsonNull() ? integer(b, "top_k", 0) : null;
        int topK = givenTopK == null ? 0 : givenTopK;
        if (topK < 0) {
            throw new CompletionService.InvalidRequest("top_k", "'top_k' must be >= 0 (0 = off), got " + topK);
        }
        int n = integer(b, "n", 1);
        if (n != 1) {
            throw new CompletionService.InvalidRequest("n", "Only n = 1 is supported, got " + n);
        }
        long seed = b.has("seed") && !b.get("seed").isJsonNull() ? longInteger(b, "seed") : System.nanoTime();
        // what the request leaves out comes from the model's generation_config.json (else OpenAI's defaults)
        dev.jgpt.model.generate.SamplingConfig s = defaults.sampling(maxTokens, given, givenTopK, givenTopP, seed);
        return new CompletionService.Request(prompt, chat, maxTokens, s.temperature(), s.topP(), s.topK(), stops(b),
                seed);
    }

    private static String prompt(JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonArray() && e.getAsJsonArray().size() == 1 && e.getAsJsonArray().get(0).isJsonPrimitive()
                && e.getAsJsonArray().get(0).getAsJsonPrimitive().isString()) {
            return e.getAsJsonArray().get(0).getAsString();
        }
        throw new CompletionService.InvalidRequest("prompt", "'prompt' must be a string (or a list of one string)");
    }

    private static List<String> stops(JsonObject b) {
        List<String> out = new ArrayList<>();
        JsonElement e = b.get("stop");
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            out.add(e.getAsString());
        } else if (e.isJsonArray()) {
            for (JsonElement s : e.getAsJsonArray()) {
                if (!s.isJsonPrimitive() || !s.getAsJsonPrimitive().isString()) {
                    throw new CompletionService.InvalidRequest("stop", "'stop' must be a string or a list of strings");
                }
                out.add(s.getAsString());
            }
        } else {
            throw new CompletionService.InvalidRequest("stop", "'stop' must be a string or a list of strings");
        }
        if (out.size() > 4 || out.stream().anyMatch(String::isEmpty)) {
            throw new CompletionService.InvalidRequest("stop", "'stop' takes up to 4 non-empty strings");
        }
        return out;
    }

    private static String string(JsonObject b, String name) {
        JsonElement e = b.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be a string");
        }
        return e.getAsString();
    }

    private static int integer(JsonObject b, String name, int fallback) {
        JsonElement e = b.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be an integer");
        }
        double v = e.getAsDouble();
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be an integer, got " + v);
        }
        return (int) v;
    }

    /** A 64-bit integer field (OpenAI's {@code seed} takes any). */
    private static long longInteger(JsonObject b, String name) {
        JsonElement e = b.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be an integer");
        }
        try {
            return e.getAsBigDecimal().longValueExact();
        } catch (ArithmeticException | NumberFormatException x) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be a 64-bit integer, got "
                    + shown(e.getAsString()));
        }
    }

    /** Where a JSON parser's message says the text went wrong ({@code  (at line 1 column 2)}), else nothing. */
    private static String position(String parserMessage) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+) column (\\d+)")
                .matcher(String.valueOf(parserMessage));
        return m.find() ? " (at line " + m.group(1) + " column " + m.group(2) + ")" : "";
    }

    /** Client text as an error message may repeat it: printable, at most 80 characters. */
    private static String shown(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 80) + "... (" + text.length()
                + " characters)";
    }

    private static Float number(JsonObject b, String name) {
        JsonElement e = b.get(name);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be a number");
        }
        return e.getAsFloat();
    }

    private static boolean bool(JsonObject b, String name, boolean fallback) {
        JsonElement e = b.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new CompletionService.InvalidRequest(name, "'" + name + "' must be true or false");
        }
        return e.getAsBoolean();
    }

    private static void json(HttpExchange ex, int status, JsonObject body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static void error(HttpExchange ex, int status, String message, String type, String param)
            throws IOException {
        JsonObject err = new JsonObject();
        err.addProperty("message", message);
        err.addProperty("type", type);
        err.add("param", param == null ? JsonNull.INSTANCE : new JsonPrimitive(param));
        err.add("code", JsonNull.INSTANCE);
        JsonObject o = new JsonObject();
        o.add("error", err);
        json(ex, status, o);
    }
}
