package dev.jgpt.examples.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load against a running server over loopback: {@code requests} requests from {@code
 * clients} concurrent clients, a fixed mix of plain and streaming completions and chat
 * completions, malformed requests (each must get a 400), streams the client drops after the
 * first token, slow clients (a silent half request beside a completion sent in pieces, which must
 * be served) and megabyte prompts (each must get a 400, without the server tokenizing them whole).
 * A client told 429 waits the server's {@code Retry-After} and tries again, a few times. Every
 * attempt's outcome is counted; latency is measured on the attempt that was served.
 */
public final class ServeLoad {

    /**
     * What to send.
     *
     * @param base the server, e.g. {@code http://127.0.0.1:8080}
     * @param model the model id
     * @param requests how many requests in all
     * @param clients concurrent clients
     * @param maxTokens {@code max_tokens} of each generating request
     * @param timeLimit no new request starts after this
     * @param retries tries after a 429, each after the server's Retry-After
     */
    public record Settings(URI base, String model, int requests, int clients, int maxTokens, Duration timeLimit,
            int retries) {
        public Settings {
            if (requests < 1 || clients < 1 || maxTokens < 1 || retries < 0) {
                throw new IllegalArgumentException("requests, clients and maxTokens must be >= 1 and retries >= 0");
            }
        }
    }

    /** What a request does. */
    public enum Kind {
        /** A completion or chat completion answered in one JSON body. */
        PLAIN,
        /** The same with {@code stream: true}, read to {@code [DONE]}. */
        STREAM,
        /** A request the server must refuse with 400. */
        MALFORMED,
        /** A stream the client closes after the first token. */
        DISCONNECT,
        /**
         * A slow client: one connection sends half a request line and then nothing, while a
         * completion is sent on another in pieces, with pauses; the completion must be served.
         */
        SLOW_CLIENT,
        /** A prompt of about a megabyte, far past any context: must get a 400 (and quickly). */
        LARGE_PROMPT
    }

    /** How an attempt ended. */
    public enum Outcome {
        /** Served as designed (a 200 read to the end, a 400 for a malformed or too large request, a dropped stream). */
        OK,
        /** 429: no slot or queue place; designed. */
        RATE_LIMITED_429,
        /** 503: no slot came free within the queue wait; designed. */
        UNAVAILABLE_503,
        /** Any other 5xx. */
        SERVER_ERROR_5XX,
        /** A status the request should not get (a 400 for a good request, a 200 for a malformed one). */
        WRONG_STATUS,
        /** A 200 whose body broke the protocol (no {@code [DONE]}, bad JSON). */
        BAD_BODY,
        /** Connection refused or reset, or no answer in time. */
        TRANSPORT_ERROR
    }

    /**
     * What the run measured.
     *
     * @param sent requests started (fewer than asked if the time limit struck)
     * @param turnedAway requests still answered 429/503 after every retry
     * @param wallNanos from the first request to the last answer
     * @param kinds requests by kind
     * @param outcomes attempts by outcome
     * @param latencyNanos end-to-end time of each served PLAIN or STREAM request (its last attempt)
     * @param firstTokenNanos time to the first streamed token of each served STREAM request
     * @param completionTokens tokens generated for served PLAIN and STREAM requests (from usage)
     * @param problems one line per attempt that was not OK, 429 or 503 (the first 20)
     */
    public record Report(int sent, int turnedAway, long wallNanos, Map<Kind, Integer> kinds, Map<Outcome, Integer> outcomes,
            long[] latencyNanos, long[] firstTokenNanos, long completionTokens, List<String> problems) {

        /** True when nothing but designed outcomes happened. */
        public boolean clean() {
            return outcomes.getOrDefault(Outcome.SERVER_ERROR_5XX, 0) == 0
                    && outcomes.getOrDefault(Outcome.WRONG_STATUS, 0) == 0
                    && outcomes.getOrDefault(Outcome.BAD_BODY, 0) == 0
                    && outcomes.getOrDefault(Outcome.TRANSPORT_ERROR, 0) == 0;
        }

        /** Completion tokens per second of wall time. */
        public double tokensPerSecond() {
            return completionTokens / (wallNanos / 1e9);
        }

        /** The {@code q} quantile (0..1) of {@code values}, nearest rank; NaN for none. */
        public static double quantileMillis(long[] values, double q) {
            if (values.length == 0) {
                return Double.NaN;
            }
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            int rank = (int) Math.ceil(q * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
        }
    }

    // 35% streaming, 35% plain, 10% malformed, 10% dropped mid-stream, 5% slow clients, 5% megabyte prompts
    private static final Kind[] MIX = {Kind.STREAM, Kind.PLAIN, Kind.STREAM, Kind.PLAIN, Kind.MALFORMED,
        Kind.STREAM, Kind.PLAIN, Kind.DISCONNECT, Kind.STREAM, Kind.SLOW_CLIENT, Kind.PLAIN, Kind.STREAM,
        Kind.PLAIN, Kind.MALFORMED, Kind.STREAM, Kind.PLAIN, Kind.DISCONNECT, Kind.LARGE_PROMPT, Kind.STREAM,
        Kind.PLAIN};
    private static final String[] PROMPTS = {"Every effort moves you", "The quick brown fox",
        "Once upon a time, in a small village,", "Name three primary colours.", "I HAD always thought Jack Gisburn"};

    private final Settings s;
    private final Kind only;
    private final HttpClient http;

    /** A load with these settings, mixing every kind of request. */
    public ServeLoad(Settings settings) {
        this(settings, null);
    }

    /** A load of requests of one kind only (a throughput run: {@link Kind#STREAM}), or of the mix for {@code null}. */
    public ServeLoad(Settings settings, Kind only) {
        this.s = settings;
        this.only = only;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "jgpt-load-http");
                    t.setDaemon(true);
                    return t;
                })).build();
    }

    /** The kind of request number {@code i}. */
    static Kind kind(int i) {
        return MIX[i % MIX.length];
    }

    /** Runs the load and waits for it; at most the time limit plus one request's time. */
    public Report run() throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        Map<Kind, AtomicInteger> kinds = counters(Kind.class);
        Map<Outcome, AtomicInteger> outcomes = counters(Outcome.class);
        List<Long> latency = Collections.synchronizedList(new ArrayList<>());
        List<Long> firstToken = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicLong tokens = new AtomicLong();
        AtomicInteger turnedAway = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + s.timeLimit().toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(s.clients(), r -> {
            Thread t = new Thread(r, "jgpt-load-client");
            t.setDaemon(true);
            return t;
        });
        for (int c = 0; c < s.clients(); c++) {
            pool.execute(() -> {
                int i;
                while ((i = next.getAndIncrement()) < s.requests() && System.nanoTime() < deadline) {
                    Kind kind = only != null ? only : kind(i);
                    kinds.get(kind).incrementAndGet();
                    for (int attempt = 0; attempt <= s.retries(); attempt++) {
                        Attempt a = attempt(i, kind);
                        outcomes.get(a.outcome).incrementAndGet();
                        if (a.outcome == Outcome.OK) {
                            if (kind == Kind.PLAIN || kind == Kind.STREAM) {
                                latency.add(a.nanos);
                                tokens.addAndGet(a.tokens);
                            }
                            if (kind == Kind.STREAM) {
                                firstToken.add(a.firstTokenNanos);
                            }
                        } else if (a.outcome != Outcome.RATE_LIMITED_429 && a.outcome != Outcome.UNAVAILABLE_503
                                && problems.size() < 20) {
                            problems.add("request " + i + " (" + kind + "): " + a.outcome + " " + a.detail);
                        }
                        if (a.retryAfterSeconds < 0) {
                            break;
                        }
                        if (attempt == s.retries()) {
                            turnedAway.incrementAndGet();
                            break;
                        }
                        sleep(Math.min(5, a.retryAfterSeconds) * 1000L);
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(s.timeLimit().toSeconds() + 300, TimeUnit.SECONDS);
        long wall = System.nanoTime() - start;
        int sent = kinds.values().stream().mapToInt(AtomicInteger::get).sum();
        return new Report(sent, turnedAway.get(), wall, snapshot(kinds, Kind.class), snapshot(outcomes, Outcome.class), toArray(latency),
                toArray(firstToken), tokens.get(), List.copyOf(problems));
    }

    /** One try: its outcome, and for 429/503 how long to wait before the next (-1: no retry). */
    private record Attempt(Outcome outcome, long nanos, long firstTokenNanos, int tokens, int retryAfterSeconds,
            String detail) {
        static Attempt of(Outcome o, String detail) {
            return new Attempt(o, 0, 0, 0, -1, detail);
        }
    }

    private Attempt attempt(int i, Kind kind) {
        boolean chat = i % 2 == 1;
        String path = chat ? "/v1/chat/completions" : "/v1/completions";
        try {
            return switch (kind) {
                case PLAIN -> plain(path, body(i, chat, false));
                case STREAM -> stream(path, body(i, chat, true));
                case MALFORMED -> malformed(i);
                case DISCONNECT -> disconnect(path, body(i, chat, true));
                case SLOW_CLIENT -> slow(path, body(i, chat, false));
                case LARGE_PROMPT -> largePrompt();
            };
        } catch (HttpTimeoutException e) {
            return Attempt.of(Outcome.TRANSPORT_ERROR, "timed out: " + e.getMessage());
        } catch (IOException e) {
            return Attempt.of(Outcome.TRANSPORT_ERROR, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Attempt.of(Outcome.TRANSPORT_ERROR, "interrupted");
        }
    }

    private String body(int i, boolean chat, boolean stream) {
        JsonObject o = new JsonObject();
        o.addProperty("model", s.model());
        String prompt = PROMPTS[i % PROMPTS.length];
        if (chat) {
            com.google.gson.JsonArray messages = new com.google.gson.JsonArray();
            JsonObject m = new JsonObject();
            m.addProperty("role", "user");
            m.addProperty("content", prompt);
            messages.add(m);
            o.add("messages", messages);
        } else {
            o.addProperty("prompt", prompt);
        }
        o.addProperty("max_tokens", s.maxTokens());
        o.addProperty("temperature", 0.8);
        o.addProperty("top_k", 40);
        o.addProperty("seed", i);
        o.addProperty("stream", stream);
        return o.toString();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(s.base().resolve(path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** 429 and 503 as retryable attempts; any other status than {@code want} as wrong. */
    private static Attempt unexpected(int status, String body, int retryAfter) {
        if (status == 429) {
            return new Attempt(Outcome.RATE_LIMITED_429, 0, 0, 0, retryAfter, "");
        }
        if (status == 503) {
            return new Attempt(Outcome.UNAVAILABLE_503, 0, 0, 0, retryAfter, "");
        }
        Outcome o = status >= 500 ? Outcome.SERVER_ERROR_5XX : Outcome.WRONG_STATUS;
        return Attempt.of(o, "HTTP " + status + ": " + body.substring(0, Math.min(200, body.length())));
    }

    private static int retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").map(v -> {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                return 1;
            }
        }).orElse(1);
    }

    private Attempt plain(String path, String body) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(post(path, body), HttpResponse.BodyHandlers.ofString());
        long nanos = System.nanoTime() - t0;
        if (r.statusCode() != 200) {
            return unexpected(r.statusCode(), r.body(), retryAfter(r));
        }
        try {
            int tokens = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("usage")
                    .get("completion_tokens").getAsInt();
            return new Attempt(Outcome.OK, nanos, 0, tokens, -1, "");
        } catch (RuntimeException e) {
            return Attempt.of(Outcome.BAD_BODY, e + " in " + r.body());
        }
    }

    private Attempt stream(String path, String body) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(post(path, body), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                return unexpected(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8), retryAfter(r));
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            long first = -1;
            int tokens = -1;
            boolean done = false;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                if (!line.startsWith("data: ")) {
                    return Attempt.of(Outcome.BAD_BODY, "not an SSE data line: " + line);
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                if (first < 0) {
                    first = System.nanoTime() - t0;
                }
                JsonObject chunk = JsonParser.parseString(data).getAsJsonObject();
                JsonElement usage = chunk.get("usage");
                if (usage != null && usage.isJsonObject()) {
                    tokens = usage.getAsJsonObject().get("completion_tokens").getAsInt();
                }
            }
            long nanos = System.nanoTime() - t0;
            if (!done || tokens < 0) {
                return Attempt.of(Outcome.BAD_BODY, "stream ended without " + (done ? "usage" : "[DONE]"));
            }
            return new Attempt(Outcome.OK, nanos, first, tokens, -1, "");
        } catch (RuntimeException e) {
            return Attempt.of(Outcome.BAD_BODY, e.toString());
        }
    }

    private static final String[] MALFORMED = {
        "{\"prompt\": ",
        "{\"max_tokens\": 5}",
        "{\"prompt\": \"Hi\", \"max_tokens\": 1000000}",
        "{\"prompt\": \"Hi\", \"temperature\": -1}",
        "{\"prompt\": \"Hi\", \"model\": \"no-such-model\"}",
        "[1, 2, 3]",
    };

    private Attempt malformed(int i) throws IOException, InterruptedException {
        String body = MALFORMED[(i / MIX.length) % MALFORMED.length];
        HttpResponse<String> r = http.send(post("/v1/completions", body), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 400 && r.body().contains("\"error\"")) {
            return Attempt.of(Outcome.OK, "");
        }
        return r.statusCode() == 429 || r.statusCode() == 503 || r.statusCode() >= 500
                ? unexpected(r.statusCode(), r.body(), retryAfter(r))
                : Attempt.of(Outcome.WRONG_STATUS, "HTTP " + r.statusCode() + " for malformed " + body);
    }

    /** About a megabyte of ordinary text (under the 1 MiB body limit with its JSON around it). */
    private static final String MEGABYTE_PROMPT = "All work and no play makes Jack a dull boy. ".repeat(22_000);

    private Attempt largePrompt() throws IOException, InterruptedException {
        JsonObject o = new JsonObject();
        o.addProperty("model", s.model());
        o.addProperty("prompt", MEGABYTE_PROMPT);
        o.addProperty("max_tokens", s.maxTokens());
        HttpResponse<String> r = http.send(post("/v1/completions", o.toString()), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 400 && r.body().contains("\"error\"")) {
            return Attempt.of(Outcome.OK, "");
        }
        return r.statusCode() == 429 || r.statusCode() == 503 || r.statusCode() >= 500
                ? unexpected(r.statusCode(), r.body(), retryAfter(r))
                : Attempt.of(Outcome.WRONG_STATUS, "HTTP " + r.statusCode() + " for a prompt of "
                        + MEGABYTE_PROMPT.length() + " characters");
    }

    /**
     * A silent connection (half a request line, then nothing) held open while a completion goes
     * out on a second connection in 8 pieces, 50 ms apart: slow, yet well inside any read timeout.
     */
    private Attempt slow(String path, String body) throws IOException {
        InetSocketAddress server = new InetSocketAddress(s.base().getHost(), s.base().getPort());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + s.base().getHost() + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(bytes, 0, request, head.length, bytes.length);
        try (Socket silent = new Socket(); Socket trickle = new Socket()) {
            silent.connect(server, 10_000);
            silent.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
            silent.getOutputStream().flush();
            trickle.connect(server, 10_000);
            trickle.setSoTimeout(120_000);
            OutputStream out = trickle.getOutputStream();
            int pieces = 8;
            try {
                for (int p = 0; p < pieces; p++) {
                    int from = p * request.length / pieces;
                    int to = (p + 1) * request.length / pieces;
                    out.write(request, from, to - from);
                    out.flush();
                    sleep(50);
                }
            } catch (IOException e) {
                // the server answered (and closed) before the whole request was sent: read what it said
            }
            String response = new String(trickle.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n\r\n");
            String[] statusLine = response.substring(0, Math.max(0, response.indexOf("\r\n"))).split(" ");
            int code = statusLine.length > 1 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : -1;
            String payload = end < 0 ? "" : response.substring(end + 4);
            if (code != 200) {
                int retryAfter = 1;
                for (String line : response.substring(0, Math.max(0, end)).split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("retry-after:")) {
                        retryAfter = Integer.parseInt(line.substring(12).trim());
                    }
                }
                return code < 0 ? Attempt.of(Outcome.TRANSPORT_ERROR, "no answer to a slow request")
                        : unexpected(code, payload, retryAfter);
            }
            try {
                int tokens = JsonParser.parseString(payload).getAsJsonObject().getAsJsonObject("usage")
                        .get("completion_tokens").getAsInt();
                return new Attempt(Outcome.OK, 0, 0, tokens, -1, "");
            } catch (RuntimeException e) {
                return Attempt.of(Outcome.BAD_BODY, e + " in " + payload);
            }
        }
    }

    /** A raw socket, so the drop is a real connection close after the first event. */
    private Attempt disconnect(String path, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(s.base().getHost(), s.base().getPort()), 10_000);
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + s.base().getHost() + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String status = reader.readLine();
            int code = status == null ? -1 : Integer.parseInt(status.split(" ")[1]);
            int retryAfter = 1;
            String line;
            while ((line = reader.readLine()) != null && !line.isEmpty()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("retry-after:")) {
                    retryAfter = Integer.parseInt(line.substring(12).trim());
                }
            }
            if (code != 200) {
                return unexpected(code, String.valueOf(status), retryAfter);
            }
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: {")) {
                    return Attempt.of(Outcome.OK, ""); // closing the socket now is the disconnect
                }
            }
            return Attempt.of(Outcome.BAD_BODY, "the stream ended before its first event");
        }
    }

    private static final HttpClient PROBE = HttpClient.newHttpClient();

    /** {@code GET uri} as a JSON object. */
    public static JsonObject getJson(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = PROBE.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + r.statusCode() + ": " + r.body());
        }
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /**
     * Waits (at most a minute) until the server at {@code base} has nothing generating or queued
     * (dropped streams finish their current token first); returns its last {@code /health}.
     */
    public static JsonObject awaitIdle(URI base) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonObject h = getJson(base.resolve("/health"));
        while ((h.get("queued").getAsInt() > 0 || h.get("busy_slots").getAsInt() > 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
            h = getJson(base.resolve("/health"));
        }
        return h;
    }

    private static <E extends Enum<E>> Map<E, AtomicInteger> counters(Class<E> type) {
        Map<E, AtomicInteger> m = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            m.put(e, new AtomicInteger());
        }
        return m;
    }

    private static <E extends Enum<E>> Map<E, Integer> snapshot(Map<E, AtomicInteger> m, Class<E> type) {
        Map<E, Integer> out = new EnumMap<>(type);
        m.forEach((k, v) -> out.put(k, v.get()));
        return Collections.unmodifiableMap(out);
    }

    private static long[] toArray(List<Long> values) {
        synchronized (values) {
            return values.stream().mapToLong(Long::longValue).toArray();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
