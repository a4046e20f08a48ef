package dev.jgpt.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A prompt that cannot fit the context is refused from its length, before it is tokenized: a
 * megabyte of text used to be encoded whole (over a second of CPU, hundreds of MB) only to be
 * refused. The service's tokenizer is watched: it must never see the large text.
 */
class LargePromptTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The longest text the service asked the tokenizer to encode. */
    private static final AtomicInteger LONGEST_ENCODED = new AtomicInteger();
    private static TinyServer tiny;

    /** GPT-2's tokenizer, noting the length of each text it encodes. */
    private static Tokenizer watched(Tokenizer t) {
        return new Tokenizer() {
            @Override
            public long[] encode(String text) {
                LONGEST_ENCODED.accumulateAndGet(text.length(), Math::max);
                return t.encode(text);
            }

            @Override
            public long[] encodeWithSpecialTokens(String text) {
                LONGEST_ENCODED.accumulateAndGet(text.length(), Math::max);
                return t.encodeWithSpecialTokens(text);
            }

            @Override
            public String decode(long[] ids) {
                return t.decode(ids);
            }

            @Override
            public int vocabSize() {
                return t.vocabSize();
            }

            @Override
            public long[] endIds() {
                return t.endIds();
            }

            @Override
            public void save(Path dir) throws java.io.IOException {
                t.save(dir);
            }

            @Override
            public long padId() {
                return t.padId();
            }

            @Override
            public int maxTokenBytes() {
                return t.maxTokenBytes();
            }

            @Override
            public void close() {
                t.close();
            }
        };
    }

    @BeforeAll
    static void start() throws Exception {
        tiny = TinyServer.withTokenizer(LargePromptTest::watched);
    }

    @AfterAll
    static void stop() {
        tiny.close();
    }

    private static HttpResponse<String> post(String path, JsonObject body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tiny.url(path)))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject error(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
    }

    /** A megabyte of ordinary text: about 250,000 GPT-2 tokens. */
    private static final String MEGABYTE = "All work and no play makes Jack a dull boy. ".repeat(1_000_000 / 44);

    @Test
    void aMegabytePromptIsRefusedWithoutBeingTokenized() throws Exception {
        LONGEST_ENCODED.set(0);
        JsonObject o = new JsonObject();
        o.addProperty("prompt", MEGABYTE);
        HttpResponse<String> r = post("/v1/completions", o);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonObject e = error(r);
        assertThat(e.get("param").getAsString()).isEqualTo("prompt");
        // the numbers: its size, the fewest tokens that size allows (GPT-2's longest token is 128 bytes), the context
        assertThat(e.get("message").getAsString()).isEqualTo("The prompt is " + MEGABYTE.length() + " bytes, so at least "
                + (MEGABYTE.length() + 127) / 128 + " tokens (no token of this model stands for more than 128 bytes):"
                + " more than the model's context of 128 tokens");
        assertThat(LONGEST_ENCODED.get()).isZero();
    }

    @Test
    void aMegabyteChatIsRefusedNamingTheMessagesWithoutBeingTokenized() throws Exception {
        LONGEST_ENCODED.set(0);
        JsonObject m = new JsonObject();
        m.addProperty("role", "user");
        m.addProperty("content", MEGABYTE);
        JsonArray messages = new JsonArray();
        messages.add(m);
        JsonObject o = new JsonObject();
        o.add("messages", messages);
        HttpResponse<String> r = post("/v1/chat/completions", o);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("param").getAsString()).isEqualTo("messages");
        assertThat(error(r).get("message").getAsString()).startsWith("The rendered messages are ")
                .contains("more than the model's context of 128 tokens");
        assertThat(LONGEST_ENCODED.get()).isZero();
    }

    @Test
    void aPromptThatMayFitIsTokenizedAndCheckedExactly() throws Exception {
        // 600 bytes may be as few as 5 tokens, so it is encoded: 100+ tokens and max_tokens 100 do not fit
        String text = "x ".repeat(300);
        JsonObject o = new JsonObject();
        o.addProperty("prompt", text);
        o.addProperty("max_tokens", 100);
        LONGEST_ENCODED.set(0);
        HttpResponse<String> r = post("/v1/completions", o);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("param").getAsString()).isEqualTo("max_tokens");
        assertThat(error(r).get("message").getAsString()).startsWith("The prompt has " + tiny.tokens(text) + " tokens");
        assertThat(LONGEST_ENCODED.get()).isEqualTo(text.length());
        // and one whose length alone rules out max_tokens is refused on that, naming max_tokens
        o.addProperty("prompt", "y".repeat(128 * 60));
        o.addProperty("max_tokens", 100);
        LONGEST_ENCODED.set(0);
        HttpResponse<String> tooMany = post("/v1/completions", o);
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(error(tooMany).get("param").getAsString()).isEqualTo("max_tokens");
        assertThat(error(tooMany).get("message").getAsString()).contains("at least 60 tokens")
                .contains("and max_tokens is 100");
        assertThat(LONGEST_ENCODED.get()).isZero();
        // a prompt that fits is served as ever
        o.addProperty("prompt", "Every effort moves you");
        o.addProperty("max_tokens", 3);
        assertThat(post("/v1/completions", o).statusCode()).isEqualTo(200);
    }
}
