package dev.jgpt.examples.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.io.StrictJson;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * An OpenAI-compatible HTTP server: {@code GET /} (a chat page that streams from {@code
 * /v1/chat/completions}), {@code GET /health}, {@code GET /metrics} (Prometheus), {@code GET
 * /v1/models}, {@code POST /v1/completions} and {@code POST /v1/chat/completions} (messages
 * rendered with the model's {@link ChatFormat}: its chat template, with {@code
 * chat_template_kwargs}, or its stored {@link PromptFormat}), {@code stream: true} as server-sent
 * events in OpenAI's chunk formats ending in {@code data: [DONE]}. At most {@code maxConcurrency}
 * generations run at once and at most {@code maxQueue} more wait for a slot (each up to {@link
 * #QUEUE_WAIT_SECONDS} s, then 503); a request beyond that gets 429 with {@code Retry-After} at
 * once, so memory and waiting stay bounded under any load. Bad requests get 400 with an
 * OpenAI-style error naming the field; every error, the HTTP layer's included, has that shape.
 *
 * <p>On Jetty's core API (no servlets), because it reads request heads and bodies without holding
 * a thread: a client that opens a connection and sends half a request line costs a socket until
 * {@link HttpLimits#readTimeout}, not a worker, so such clients cannot starve {@code /health} or a
 * completion (the JDK's {@code HttpServer} read heads on its pool threads with no per-request
 * timeout, and 14 silent connections stopped it). Connections are bounded by {@link
 * HttpLimits#maxConnections}. Generations run on threads of their own (one per admitted request,
 * so at most {@code maxConcurrency + maxQueue} generate or wait); everything else is answered on
 * Jetty's.
 * Each finished request is counted in {@code /metrics} and written to the {@link AccessLog}.
 */
public final class OpenAiServer implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenAiServer.class);

    private static final byte[] CHAT_PAGE = chatPage();

    /** The largest request body read (1 MiB). */
    public static final int MAX_BODY_BYTES = 1 << 20;

    /** A larger body is read on and dropped up to this much (64 MiB) before the 413, then the connection is closed. */
    static final long DRAIN_BYTES = 64L << 20;

    /** How long a queued request waits for a slot before a 503. */
    public static final int QUEUE_WAIT_SECONDS = 30;

    /** The sampling of a request that sets none, for a model folder that recommends none: OpenAI's (temperature 1). */
    public static final GenerationConfig OPENAI_DEFAULTS = new GenerationConfig(true, 1f, 0, 1f);

    private final CompletionService service;
    private final ChatFormat format;
    private final GenerationConfig defaults;
    private final String modelName;
    private final Semaphore slots;
    private final Semaphore admission;
    private final int maxConcurrency;
    private final HttpLimits limits;
    private final AccessLog accessLog;
    private final ServeMetrics metrics;
    private final ExecutorService generations;
    private final Server jetty;
    private final ServerConnector connector;
    private final int port;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** Set when shutdown begins: new requests get 503 and the 503s say why. */
    private volatile boolean shuttingDown;
    /** Set at the shutdown deadline: generations still running stop at their next token. */
    private volatile boolean abandon;

    /**
     * Binds to {@code host:port} ({@code port} 0 picks a free one) and starts serving.
     *
     * @param modelName the id clients name in {@code model}
     */
    public OpenAiServer(CompletionService service, String modelName, String host, int port, int maxConcurrency)
            throws IOException {
        this(service, ChatFormat.of(PromptFormat.ALPACA), OPENAI_DEFAULTS, modelName, host, port, maxConcurrency, 0);
    }

    /**
     * As above, rendering chat messages with {@code format} (the model's chat template, or the
     * prompt format stored with it), sampling as {@code defaults} (the folder's {@code
     * generation_config.json}, else {@link #OPENAI_DEFAULTS}) where a request sets nothing, and
     * letting up to {@code maxQueue} requests wait for a slot; {@link HttpLimits#DEFAULTS} and
     * the SLF4J access log.
     */
    public OpenAiServer(CompletionService service, ChatFormat format, GenerationConfig defaults, String modelName,
            String host, int port, int maxConcurrency, int maxQueue) throws IOException {
        this(service, format, defaults, modelName, host, port, maxConcurrency, maxQueue, HttpLimits.DEFAULTS,
                AccessLog.slf4j());
    }

    /** As above, with these connection limits, writing each finished request to {@code accessLog}. */
    public OpenAiServer(CompletionService service, ChatFormat format, GenerationConfig defaults, String modelName,
            String host, int port, int maxConcurrency, int maxQueue, HttpLimits limits, AccessLog accessLog)
            throws IOException {
        if (maxConcurrency < 1 || maxQueue < 0) {
            throw new IllegalArgumentException("maxConcurrency must be >= 1 and maxQueue >= 0, got " + maxConcurrency
                    + " and " + maxQueue);
        }
        this.service = service;
        this.format = format;
        this.defaults = defaults;
        this.modelName = modelName;
        this.maxConcurrency = maxConcurrency;
        this.limits = limits;
        this.accessLog = accessLog;
        this.slots = new Semaphore(maxConcurrency);
        this.admission = new Semaphore(maxConcurrency + maxQueue);
        this.metrics = new ServeMetrics(() -> maxConcurrency - slots.availablePermits(), slots::getQueueLength,
                service::batchSize);
        // generating and queued requests each hold one of these (admission bounds them), and one that
        // has given its slot back may still be sending its last bytes: threads are made as needed
        this.generations = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jgpt-generate");
            t.setDaemon(true);
            return t;
        });
        QueuedThreadPool threads = new QueuedThreadPool(32, 2);
        threads.setName("jgpt-http");
        threads.setDaemon(true);
        this.jetty = new Server(threads, new ScheduledExecutorScheduler("jgpt-http-timer", true), null);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        // a connection silent this long is closed, whether it is between requests or half-way through a head
        connector.setIdleTimeout(limits.readTimeout().toMillis());
        connector.setAcceptQueueSize(64);
        jetty.addConnector(connector);
        jetty.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        jetty.setErrorHandler(new JsonErrorHandler(() -> shuttingDown));
        jetty.setRequestLog((request, response) -> finished(request, response));
        jetty.setHandler(new GracefulHandler(new Routes()));
        jetty.setStopTimeout(0); // shutdown() does the graceful part itself
        try {
            jetty.start();
        } catch (Exception e) {
            stopJetty();
            generations.shutdownNow();
            java.net.BindException bind = causeOf(e, java.net.BindException.class);
            if (bind != null) {
                throw new java.net.BindException("Cannot listen on " + host + ":" + port + ": " + bind.getMessage());
            }
            throw new IOException("Cannot start the server on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        this.port = connector.getLocalPort();
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
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

    /** The port the server listens on (or listened on, once stopped). */
    public int port() {
        return port;
    }

    /**
     * Stops gracefully: no new connection is accepted and a new request on an open one gets 503;
     * the requests in progress (streams included) may finish for up to {@code timeout}; at the
     * deadline, generations still running stop at their next token and their connections are
     * closed. Returns when everything has stopped.
     *
     * @return whether every request in progress finished within {@code timeout}
     */
    public boolean shutdown(Duration timeout) {
        if (!stopping.compareAndSet(false, true)) {
            return false;
        }
        shuttingDown = true;
        boolean finished = false;
        try {
            Graceful.shutdown(jetty).get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
            finished = true;
        } catch (TimeoutException e) {
            // the deadline: what still runs is ended below
        } catch (ExecutionException e) {
            LOG.warn("Stopping the server gracefully failed: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        abandon = true;
        stopJetty();
        generations.shutdownNow();
        try {
            generations.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return finished;
    }

    private void stopJetty() {
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("Stopping the HTTP server: {}", e.toString());
        }
    }

    /** Stops at once: {@link #shutdown} with no time for what is in progress. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /** Every request, answered on one of Jetty's threads; a generation continues on the server's own pool. */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Exchange ex = new Exchange(request, response, callback);
            try {
                route(ex);
            } catch (RuntimeException e) {
                internalError(ex, e);
            }
            return true;
        }
    }

    private void route(Exchange ex) {
        String path = ex.path();
        switch (path) {
            case "/" -> expect(ex, "GET", () -> page(ex));
            case "/health" -> expect(ex, "GET", () -> ex.json(200, health()));
            case "/metrics" -> expect(ex, "GET", () -> ex.send(200, ServeMetrics.CONTENT_TYPE, metrics.scrape()));
            case "/v1/models" -> expect(ex, "GET", () -> ex.json(200, models()));
            case "/v1/completions" -> expect(ex, "POST", () -> readThenGenerate(ex, false));
            case "/v1/chat/completions" -> expect(ex, "POST", () -> readThenGenerate(ex, true));
            default -> ex.error(404, "Unknown path " + shown(path), "invalid_request_error", null);
        }
    }

    /** Never lets an exception end a request silently; the details go to the log, not the client. */
    private void internalError(Exchange ex, RuntimeException e) {
        LOG.error("Internal error answering {} {}", ex.method(), shown(ex.path()), e);
        if (ex.unanswered()) {
            ex.error(500, "Internal error (the server's log has the details)", "server_error", null);
        } else {
            ex.abort(e);
        }
    }

    /** Runs {@code h} for {@code want} (a GET route also answers HEAD, without the body), else 405 with {@code Allow}. */
    private static void expect(Exchange ex, String want, Runnable h) {
        String method = ex.method();
        boolean get = want.equals("GET");
        if (!method.equals(want) && !(get && method.equals("HEAD"))) {
            ex.header("Allow", get ? "GET, HEAD" : want);
            ex.error(405, "Use " + want + " for " + ex.path(), "invalid_request_error", null);
            return;
        }
        h.run();
    }

    /** The chat page: one static file, no build step. */
    private static void page(Exchange ex) {
        ex.header("Cache-Control", "no-cache");
        ex.header("X-Content-Type-Options", "nosniff");
        // the page talks to this server only
        ex.header("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'");
        ex.send(200, "text/html; charset=utf-8", CHAT_PAGE);
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

    /** Reads the body without holding a thread (bounded in size and time), then generates. */
    private void readThenGenerate(Exchange ex, boolean chat) {
        BodyReader.read(ex.request, MAX_BODY_BYTES, DRAIN_BYTES, limits.readTimeout(), body -> {
            try {
                switch (body.status()) {
                    case COMPLETE -> generate(ex, body.body(), chat);
                    case TOO_LARGE -> {
                        if (!body.drained()) {
                            ex.header("Connection", "close");
                        }
                        // no prompt that fits a GPT-2 context comes near this
                        ex.error(413, "The request body is larger than " + MAX_BODY_BYTES + " bytes",
                                "invalid_request_error", null);
                    }
                    case TIMED_OUT -> {
                        ex.header("Connection", "close");
                        ex.error(408, "The request body did not arrive within " + limits.readTimeout().toSeconds()
                                + " s", "invalid_request_error", null);
                    }
                    case FAILED -> ex.abort(body.failure());
                }
            } catch (RuntimeException e) {
                internalError(ex, e);
            }
        });
    }

    /** {@code /v1/completions} or, with {@code chat}, {@code /v1/chat/completions}, from the body read. */
    private void generate(Exchange ex, byte[] raw, boolean chat) {
        JsonObject body;
        try {
            // strictly, as OpenAI parses: no single quotes, bare names or comments, no key twice
            JsonElement parsed = StrictJson.parse(new String(raw, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                ex.error(400, "The request body must be a JSON object", "invalid_request_error", null);
                return;
            }
            body = parsed.getAsJsonObject();
        } catch (StrictJson.DuplicateKeyException e) {
            ex.error(400, "The request body names " + e.getMessage() + " twice", "invalid_request_error", null);
            return;
        } catch (JsonParseException e) {
            ex.error(400, "The request body is not valid JSON" + position(e.getMessage()), "invalid_request_error",
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
            ex.error(400, e.getMessage(), "invalid_request_error", e.param());
            return;
        }
        if (!admission.tryAcquire()) {
            ex.header("Retry-After", "1");
            ex.error(429, "The server is busy: all generation slots and queue places are taken; retry shortly",
                    "rate_limit_error", null);
            return;
        }
        AtomicBoolean gone = new AtomicBoolean();
        // a client that leaves stops its generation, streamed or not
        ex.request.addFailureListener(x -> gone.set(true));
        // waiting for a slot and generating are not idleness; a write the client does not read still times out
        ex.request.addIdleTimeoutListener(t -> false);
        try {
            generations.execute(() -> run(ex, request, promptIds, stream, chat, gone));
        } catch (RejectedExecutionException e) {
            admission.release();
            ex.header("Retry-After", "5");
            ex.error(503, "The server is shutting down", "server_error", null);
        }
    }

    /**
     * On a generation thread: waits for a slot, generates, answers. The slot and the queue place
     * are given back before the last bytes are sent, so that a client that sends its next request
     * as soon as it has the answer finds them free.
     */
    private void run(Exchange ex, CompletionService.Request request, long[] promptIds, boolean stream, boolean chat,
            AtomicBoolean gone) {
        AtomicBoolean holdsSlot = new AtomicBoolean();
        AtomicBoolean admitted = new AtomicBoolean(true);
        Runnable release = () -> {
            if (holdsSlot.compareAndSet(true, false)) {
                slots.release();
            }
            if (admitted.compareAndSet(true, false)) {
                admission.release();
            }
        };
        try {
            if (!awaitSlot()) {
                release.run();
                ex.header("Retry-After", "5");
                ex.error(503, abandon ? "The server is shutting down" : "No generation slot came free within "
                        + QUEUE_WAIT_SECONDS + " s; retry later", "server_overloaded", null);
                return;
            }
            holdsSlot.set(true);
            if (gone.get()) {
                release.run();
                ex.abort(new EofException("The client left while its request waited"));
            } else if (stream) {
                stream(ex, request, promptIds, chat, gone, release);
            } else {
                CompletionService.Result r = service.complete(request, promptIds, piece -> !gone.get() && !abandon);
                release.run();
                ex.tokens(r.promptTokens(), r.completionTokens());
                if (abandon || gone.get()) {
                    ex.abort(new EofException("Ended before it finished"));
                } else {
                    ex.json(200, response(chat, false, "cmpl-" + UUID.randomUUID(), r.text(), r.finishReason(),
                            usage(r), false));
                }
            }
        } catch (RuntimeException e) {
            release.run();
            internalError(ex, e);
        } finally {
            release.run();
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

    private void stream(Exchange ex, CompletionService.Request request, long[] promptIds, boolean chat,
            AtomicBoolean gone, Runnable release) {
        ex.startEvents();
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID();
        boolean[] first = {true};
        CompletionService.Result r = service.complete(request, promptIds, piece -> {
            if (gone.get() || abandon) {
                return false;
            }
            ex.firstToken();
            boolean sent = ex.event(response(chat, true, id, piece, null, null, first[0]));
            first[0] = false;
            return sent; // false: the client went away, which stops generating
        });
        release.run();
        ex.tokens(r.promptTokens(), r.completionTokens());
        if (abandon) {
            ex.abort(new EofException("The server stopped before the stream ended"));
            return;
        }
        ex.event(response(chat, true, id, "", r.finishReason(), usage(r), first[0]));
        ex.endEvents();
    }

    /** Counts a finished request and writes its access-log line (Jetty calls this for every request, its own errors too). */
    private void finished(Request request, Response response) {
        try {
            long now = System.nanoTime();
            long begin = request.getBeginNanoTime();
            Object prompt = request.getAttribute(Exchange.PROMPT_TOKENS);
            Object completion = request.getAttribute(Exchange.COMPLETION_TOKENS);
            Object first = request.getAttribute(Exchange.FIRST_TOKEN_NANOS);
            String path = request.getHttpURI().getDecodedPath();
            AccessLog.Entry e = new AccessLog.Entry(Instant.ofEpochMilli(Request.getTimeStamp(request)),
                    request.getMethod(), shown(path == null || path.isEmpty() ? "/" : path), response.getStatus(),
                    prompt instanceof Integer p ? p : -1, completion instanceof Integer c ? c : -1,
                    TimeUnit.NANOSECONDS.toMillis(now - begin),
                    first instanceof Long f ? TimeUnit.NANOSECONDS.toMillis(f - begin) : -1);
            metrics.record(e);
            accessLog.log(e);
        } catch (RuntimeException e) {
            LOG.warn("Cannot log a request: {}", e.toString());
        }
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
}
