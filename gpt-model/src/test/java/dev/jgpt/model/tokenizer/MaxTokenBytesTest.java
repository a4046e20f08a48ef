package dev.jgpt.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.jgpt.model.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Tokenizer#maxTokenBytes}: each tokenizer's value computed a second way from its files,
 * the lower bound {@link Tokenizer#minTokens} never above the real count on texts built to be
 * short in tokens (runs of spaces, the longest tokens, characters a normalizer shortens), and
 * pipelines that may drop text getting no bound.
 */
class MaxTokenBytesTest {

    @TempDir Path tmp;

    /**
     * The longest entry of a byte-level vocabulary in bytes: each character of such a token
     * string stands for one byte (OpenAI's {@code bytes_to_unicode}), a special token for its
     * own UTF-8.
     */
    private static int longestByteLevelToken(JsonObject vocab, Iterable<String> specials) {
        int longest = 0;
        for (String token : vocab.keySet()) {
            boolean special = false;
            for (String s : specials) {
                special |= s.equals(token);
            }
            int bytes = special ? token.getBytes(StandardCharsets.UTF_8).length : token.codePointCount(0, token.length());
            longest = Math.max(longest, bytes);
        }
        for (String s : specials) {
            longest = Math.max(longest, s.getBytes(StandardCharsets.UTF_8).length);
        }
        return longest;
    }

    private static JsonObject gzippedJson(String name) throws IOException {
        try (InputStream in = TestData.openGzipped(name)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    @Test
    void gpt2sIsTheLongestTokenOfOpenAisEncoderJson() throws IOException {
        JsonObject encoder = gzippedJson("gpt2/encoder.json");
        int expected = longestByteLevelToken(encoder, List.of(Gpt2Vocabulary.END_OF_TEXT));
        assertThat(expected).isEqualTo(128); // a run of 128 spaces-or-dashes tokens
        try (Gpt2Tokenizer t = Gpt2Tokenizer.builtIn()) {
            assertThat(t.maxTokenBytes()).isEqualTo(expected);
        }
        // the same vocabulary read through HuggingFace's tokenizer.json: decoded id by id
        try (Tokenizer hf = HfTokenizer.fromJson(Gpt2Vocabulary.builtIn().toTokenizerJson(true), "gpt2", null, null,
                null)) {
            assertThat(hf.maxTokenBytes()).isEqualTo(expected);
        }
    }

    @Test
    void llama3sIsItsLongestTokenAndQwen3sIsTimesWhatNfcCanShorten() throws IOException {
        JsonObject llama = gzippedJson("llama32-tiny/tokenizer.json");
        JsonObject qwen = gzippedJson("qwen3-tiny/tokenizer.json");
        assertThat(llama.get("normalizer").isJsonNull()).isTrue();
        assertThat(qwen.getAsJsonObject("normalizer").get("type").getAsString()).isEqualTo("NFC");
        try (Tokenizer l = Tokenizers.forModel(TestData.modelFolder("llama32-tiny", tmp.resolve("l")));
                Tokenizer q = Tokenizers.forModel(TestData.modelFolder("qwen3-tiny", tmp.resolve("q")))) {
            assertThat(l.maxTokenBytes()).isEqualTo(longestByteLevelToken(llama.getAsJsonObject("model")
                    .getAsJsonObject("vocab"), specials(llama)));
            assertThat(q.maxTokenBytes()).isEqualTo(4 * longestByteLevelToken(qwen.getAsJsonObject("model")
                    .getAsJsonObject("vocab"), specials(qwen)));
        }
    }

    private static List<String> specials(JsonObject tokenizerJson) {
        List<String> out = new ArrayList<>();
        for (JsonElement t : tokenizerJson.getAsJsonArray("added_tokens")) {
            out.add(t.getAsJsonObject().get("content").getAsString());
        }
        return out;
    }

    /** Texts made to need few tokens per byte, and ones a normalizer shortens. */
    private static List<String> hardTexts() {
        List<String> texts = new ArrayList<>(List.of(" ".repeat(5000), "-".repeat(4000), "\n".repeat(3000),
                "\u212A".repeat(1000), // the Kelvin sign: NFC makes it a 1-byte K
                "\u1100\u1161\u11A8".repeat(500), // conjoining jamo: NFC composes three into one syllable
                "e\u0301".repeat(800), "\uD835\uDC00".repeat(700), // a 4-byte mathematical A
                "<|endoftext|>".repeat(300), "<|im_start|><|im_end|>".repeat(100),
                "<|begin_of_text|>".repeat(100), "\uD83D\uDE00".repeat(400), "\uD800 lone surrogate"));
        Random r = new Random(7);
        String alphabet = " \n\t-_=*#abcXYZ\u00e9\u212A\u1100\u1161\u4e2d\uD83D\uDE00";
        for (int i = 0; i < 20; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 200 + r.nextInt(2000);
            while (sb.length() < n) {
                int at = r.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) {
                    sb.append(c).append(alphabet.charAt(at + 1));
                } else if (!Character.isLowSurrogate(c)) {
                    sb.append(String.valueOf(c).repeat(1 + r.nextInt(200)));
                }
            }
            texts.add(sb.toString());
        }
        return texts;
    }

    @Test
    void theLowerBoundIsNeverAboveTheRealCount() {
        try (Tokenizer g = Gpt2Tokenizer.builtIn();
                Tokenizer l = Tokenizers.forModel(TestData.modelFolder("llama32-tiny", tmp.resolve("l")));
                Tokenizer q = Tokenizers.forModel(TestData.modelFolder("qwen3-tiny", tmp.resolve("q")))) {
            for (Tokenizer t : List.of(g, l, q)) {
                for (String text : hardTexts()) {
                    long bound = t.minTokens(text);
                    assertThat(bound).as(t.getClass().getSimpleName() + ": " + text.substring(0, Math.min(20, text.length()))).isPositive()
                            .isLessThanOrEqualTo(t.encode(text).length)
                            .isLessThanOrEqualTo(t.encodeWithSpecialTokens(text).length);
                }
                assertThat(t.minTokens("")).isZero();
            }
            // and it is the real count where the text is the longest token, repeated
            Map.Entry<String, Integer> longest = Gpt2Vocabulary.builtIn().vocab().entrySet().stream()
                    .max(java.util.Comparator.comparingInt(e -> e.getKey().length())).orElseThrow();
            String text = g.decode(new long[] {longest.getValue()}).repeat(100);
            assertThat(Tokenizer.utf8Length(text)).isEqualTo(128 * 100);
            assertThat(g.minTokens(text)).isEqualTo(100);
            assertThat(g.encode(text)).hasSize(100);
        }
    }

    @Test
    void utf8LengthCountsWithoutEncoding() {
        for (String s : hardTexts()) {
            if (!s.contains("\uD800 ")) {
                assertThat(Tokenizer.utf8Length(s)).as(s.substring(0, Math.min(10, s.length()))).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
            }
        }
        assertThat(Tokenizer.utf8Length("a\uD800b")).isEqualTo(3); // a lone surrogate as the 1-byte '?' Java writes
    }

    /** A minimal byte-level {@code tokenizer.json} with the given pipeline steps. */
    private static JsonObject pipeline(String normalizer, String preTokenizer, String model, String added) {
        return JsonParser.parseString("{\"normalizer\": " + normalizer + ", \"pre_tokenizer\": " + preTokenizer
                + ", \"decoder\": {\"type\": \"ByteLevel\"}, \"model\": " + model + ", \"added_tokens\": " + added
                + "}").getAsJsonObject();
    }

    private static final String BPE = "{\"type\": \"BPE\", \"unk_token\": null, \"fuse_unk\": false,"
            + " \"byte_fallback\": false, \"vocab\": {}}";
    private static final String BYTE_LEVEL = "{\"type\": \"ByteLevel\"}";

    @Test
    void pipelinesThatMayDropTextHaveNoBound() {
        Map<String, JsonObject> unbounded = Map.of(
                "BERT normalizer", pipeline("{\"type\": \"BertNormalizer\"}", BYTE_LEVEL, BPE, "[]"),
                "Strip", pipeline("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"},"
                        + " {\"type\": \"Strip\"}]}", BYTE_LEVEL, BPE, "[]"),
                "a regex replacement", pipeline("{\"type\": \"Replace\", \"pattern\": {\"Regex\": \" +\"},"
                        + " \"content\": \" \"}", BYTE_LEVEL, BPE, "[]"),
                "whitespace split", pipeline("null", "{\"type\": \"Whitespace\"}", BPE, "[]"),
                "a removing split", pipeline("null", "{\"type\": \"Split\", \"behavior\": \"Removed\"}", BPE, "[]"),
                "WordPiece", pipeline("null", BYTE_LEVEL, "{\"type\": \"WordPiece\"}", "[]"),
                "fused unknowns", pipeline("null", BYTE_LEVEL, "{\"type\": \"BPE\", \"unk_token\": \"<unk>\","
                        + " \"fuse_unk\": true}", "[]"),
                "Unigram unknowns", pipeline("null", BYTE_LEVEL, "{\"type\": \"Unigram\", \"unk_id\": 0}", "[]"),
                "an added token that strips", pipeline("null", BYTE_LEVEL, BPE, "[{\"id\": 0, \"content\": \"<m>\","
                        + " \"lstrip\": true, \"rstrip\": false}]"),
                "an unknown step", pipeline("{\"type\": \"SomethingNew\"}", BYTE_LEVEL, BPE, "[]"));
        unbounded.forEach((what, json) -> assertThat(TokenByteBound.of(json).bound(10)).as(what)
                .isEqualTo(Integer.MAX_VALUE));
        // and ones that only add, or shorten by a known factor
        assertThat(TokenByteBound.of(pipeline("null", BYTE_LEVEL, BPE, "[]")).bound(10)).isEqualTo(10);
        assertThat(TokenByteBound.of(pipeline("{\"type\": \"NFKC\"}", BYTE_LEVEL, BPE, "[]")).bound(10)).isEqualTo(40);
        assertThat(TokenByteBound.of(pipeline("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\","
                + " \"prepend\": \"\u2581\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\":"
                + " \"\u2581\"}]}", "null", BPE, "[]")).bound(10)).isEqualTo(10);
        assertThat(TokenByteBound.of(pipeline("{\"type\": \"Lowercase\"}", BYTE_LEVEL, "{\"type\": \"BPE\","
                + " \"unk_token\": \"<unk>\", \"fuse_unk\": false}", "[]")).bound(2)).isEqualTo(12);
    }

    @Test
    void aTokenizerWithoutABoundTakesEveryTextAsPossiblyOneToken() {
        Tokenizer none = new Tokenizer() {
            @Override
            public long[] encode(String text) {
                return new long[0];
            }

            @Override
            public long[] encodeWithSpecialTokens(String text) {
                return new long[0];
            }

            @Override
            public String decode(long[] ids) {
                return "";
            }

            @Override
            public int vocabSize() {
                return 1;
            }

            @Override
            public long[] endIds() {
                return new long[0];
            }

            @Override
            public void save(Path dir) {}

            @Override
            public long padId() {
                return 0;
            }

            @Override
            public void close() {}
        };
        assertThat(none.maxTokenBytes()).isEqualTo(Integer.MAX_VALUE);
        assertThat(none.minTokens("x".repeat(1 << 20))).isEqualTo(1);
    }
}
