package dev.jgpt.training;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores model responses 0-100 with a judge model, as the book's section 7.8 does with Llama 3
 * through Ollama: either an OpenAI-compatible {@code /v1/chat/completions} endpoint (OpenAI,
 * vLLM, llama.cpp, Ollama's own) or Ollama's {@code /api/chat}. Deterministic settings
 * (temperature 0, seed 123) as in the book.
 */
public final class ResponseJudge {

    /** The wire format of the endpoint. */
    public enum Api {
        /** {@code POST /v1/chat/completions}, answer in {@code choices[0].message.content}. */
        OPENAI("/v1/chat/completions"),
        /** {@code POST /api/chat} with {@code stream: false}, answer in {@code message.content}. */
        OLLAMA("/api/chat");

        final String defaultPath;

        Api(String defaultPath) {
            this.defaultPath = defaultPath;
        }
    }

    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    private final URI endpoint;
    private final String model;
    private final Api api;
    private final String apiKey;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param url the endpoint; a bare {@code http://host:port} gets the API's default path
     * @param model the judge model's name (e.g. {@code llama3}, {@code gpt-4o-mini})
     * @param apiKey sent as a bearer token, or {@code null}
     * @param timeout per request
     */
    public ResponseJudge(URI url, String model, Api api, String apiKey, Duration timeout) {
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
            throw new IllegalArgumentException("The judge URL must be http(s)://..., got " + url);
        }
        String path = url.getPath();
        this.endpoint = path == null || path.isEmpty() || path.equals("/") ? url.resolve(api.defaultPath) : url;
        this.model = model;
        this.api = api;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** The endpoint requests go to. */
    public URI endpoint() {
        return endpoint;
    }

    /** The book's judge prompt. */
    public static String prompt(InstructionExample e, String response) {
        return "Given the input `" + InstructionData.formatPrompt(e) + "` and correct output `" + e.output()
                + "`, score the model response `" + response + "` on a scale from 0 to 100, where 100 is"
                + " the best score. Respond with the integer number only.";
    }

    /**
     * The judge's score for {@code response}, or empty when its answer holds no integer in 0..100.
     *
     * @throws IOException if the endpoint cannot be reached or answers with an error
     */
    public OptionalInt score(InstructionExample e, String response) throws IOException, InterruptedException {
        return parseScore(ask(prompt(e, response)));
    }

    /** The first integer of {@code answer} if it lies in 0..100. */
    public static OptionalInt parseScore(String answer) {
        Matcher m = INTEGER.matcher(answer);
        if (!m.find()) {
            return OptionalInt.empty();
        }
        try {
            int v = Integer.parseInt(m.group());
            return v >= 0 && v <= 100 ? OptionalInt.of(v) : OptionalInt.empty();
        } catch (NumberFormatException ex) {
            return OptionalInt.empty();
        }
    }

    /** Sends one user message and returns the judge's text answer. */
    public String ask(String content) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("model", model);
        JsonArray messages = new JsonArray();
        JsonObject user = new JsonObject();
        user.addProperty("role", "user");
        user.addProperty("content", content);
        messages.add(user);
        body.add("messages", messages);
        if (api == Api.OLLAMA) {
            body.addProperty("stream", false);
            JsonObject options = new JsonObject();
            options.addProperty("seed", 123);
            options.addProperty("temperature", 0);
            options.addProperty("num_ctx", 2048);
            body.add("options", options);
        } else {
            body.addProperty("temperature", 0);
            body.addProperty("seed", 123);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(new Gson().toJson(body)));
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> reply;
        try {
            reply = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException ex) {
            throw new IOException("Cannot reach the judge at " + endpoint + " (is the server running?)", ex);
        } catch (HttpTimeoutException ex) {
            throw new IOException("The judge at " + endpoint + " did not answer within " + timeout, ex);
        }
        if (reply.statusCode() / 100 != 2) {
            throw new IOException("The judge at " + endpoint + " answered HTTP " + reply.statusCode() + ": "
                    + abbreviate(reply.body()));
        }
        try {
            JsonObject json = JsonParser.parseString(reply.body()).getAsJsonObject();
            JsonElement message = api == Api.OLLAMA ? json.get("message")
                    : json.getAsJsonArray("choices").get(0).getAsJsonObject().get("message");
            return message.getAsJsonObject().get("content").getAsString();
        } catch (JsonParseException | IllegalStateException | NullPointerException | ClassCastException
                | IndexOutOfBoundsException | UnsupportedOperationException ex) {
            throw new IOException("The judge at " + endpoint + " sent an answer that is not a "
                    + (api == Api.OLLAMA ? "Ollama /api/chat" : "chat-completions") + " response: "
                    + abbreviate(reply.body()), ex);
        }
    }

    private static String abbreviate(String s) {
        String t = s.replaceAll("\\s+", " ").strip();
        return t.length() <= 200 ? t : t.substring(0, 197) + "...";
    }
}
