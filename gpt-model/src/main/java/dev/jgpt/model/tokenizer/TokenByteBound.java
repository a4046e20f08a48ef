package dev.jgpt.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * What a HuggingFace {@code tokenizer.json} says about how many bytes of input one token can stand
 * for ({@link Tokenizer#maxTokenBytes}), read from its pipeline: a normalizer can shorten text
 * before the model sees it (NFC composes, NFKC maps the 4-byte mathematical letters to ASCII,
 * lowercasing turns the Kelvin sign into {@code k}), a decoder can drop a token's leading space,
 * and some steps drop text outright (whitespace pre-tokenizers, {@code Strip}, fused unknown
 * tokens, added tokens that swallow the spaces beside them). Each known step gets a factor; a step
 * that can drop text, or one not known here, makes the bound unknown, so that nothing is refused on
 * a wrong bound.
 */
final class TokenByteBound {

    /** No bound: a token may stand for any amount of text. */
    static final int UNBOUNDED = Integer.MAX_VALUE;

    /**
     * How much a Unicode normalization can shorten text, in UTF-8 bytes: at most 4 (a 4-byte
     * character becomes one ASCII byte, a Kelvin sign one; three 3-byte Hangul jamo compose into
     * one 3-byte syllable).
     */
    private static final int UNICODE_NORMALIZATION = 4;

    /** Lowercasing shortens at most 3 bytes to 1 (the Kelvin sign to {@code k}). */
    private static final int LOWERCASE = 3;

    private final int shrink;
    private final int decoderSlack;
    private final int floor;

    private TokenByteBound(int shrink, int decoderSlack, int floor) {
        this.shrink = shrink;
        this.decoderSlack = decoderSlack;
        this.floor = floor;
    }

    /** The bound's parts read from a parsed {@code tokenizer.json}. */
    static TokenByteBound of(JsonObject tokenizerJson) {
        int shrink = normalizer(tokenizerJson.get("normalizer"));
        if (shrink != UNBOUNDED && (!preTokenizerKeepsText(tokenizerJson.get("pre_tokenizer"))
                || !modelKeepsText(tokenizerJson.get("model")) || addedTokensStrip(tokenizerJson.get("added_tokens")))) {
            shrink = UNBOUNDED;
        }
        JsonElement decoder = tokenizerJson.get("decoder");
        // a byte-level decoder maps each token to exactly its bytes; others may drop a leading space
        int slack = decoder == null || decoder.isJsonNull() || "ByteLevel".equals(type(decoder)) ? 0 : 1;
        // a model with an unknown token (and no byte fallback) gives one per unknown character: up to 4 bytes
        int floor = unknownPerCharacter(tokenizerJson.get("model")) ? 4 : 1;
        return new TokenByteBound(shrink, slack, floor);
    }

    /** Whether the bound is unknown whatever the vocabulary (so that decoding it is not needed). */
    boolean unbounded() {
        return shrink == UNBOUNDED;
    }

    /** The bound for a vocabulary whose longest token decodes to {@code longestDecoded} bytes. */
    int bound(int longestDecoded) {
        if (unbounded()) {
            return UNBOUNDED;
        }
        long b = (long) Math.max(floor, longestDecoded + decoderSlack) * shrink;
        return b >= UNBOUNDED ? UNBOUNDED : (int) b;
    }

    private static String type(JsonElement step) {
        if (step == null || !step.isJsonObject()) {
            return null;
        }
        JsonElement t = step.getAsJsonObject().get("type");
        return t != null && t.isJsonPrimitive() ? t.getAsString() : null;
    }

    /** How much the normalizer can shorten text (1: never), or {@link #UNBOUNDED}. */
    private static int normalizer(JsonElement n) {
        if (n == null || n.isJsonNull()) {
            return 1;
        }
        String type = type(n);
        if (type == null) {
            return UNBOUNDED;
        }
        switch (type) {
            case "NFC", "NFD", "NFKC", "NFKD":
                return UNICODE_NORMALIZATION;
            case "Lowercase":
                return LOWERCASE;
            case "Prepend", "ByteLevel":
                return 1; // only adds, or maps each byte to one character
            case "Replace":
                return replace(n.getAsJsonObject());
            case "Sequence": {
                long f = 1;
                JsonElement steps = n.getAsJsonObject().get("normalizers");
                if (steps == null || !steps.isJsonArray()) {
                    return UNBOUNDED;
                }
                for (JsonElement s : steps.getAsJsonArray()) {
                    f *= normalizer(s);
                    if (f >= UNBOUNDED) {
                        return UNBOUNDED;
                    }
                }
                return (int) f;
            }
            default:
                // Strip, StripAccents, BertNormalizer, Precompiled, Nmt: may remove characters
                return UNBOUNDED;
        }
    }

    /** A literal replacement shortens by at most pattern / replacement bytes; a regex or an empty one is unknown. */
    private static int replace(JsonObject o) {
        JsonElement pattern = o.get("pattern");
        JsonElement content = o.get("content");
        if (pattern == null || !pattern.isJsonObject() || !pattern.getAsJsonObject().has("String")
                || content == null || !content.isJsonPrimitive()) {
            return UNBOUNDED;
        }
        int from = pattern.getAsJsonObject().get("String").getAsString().getBytes(StandardCharsets.UTF_8).length;
        int to = content.getAsString().getBytes(StandardCharsets.UTF_8).length;
        if (to == 0) {
            return UNBOUNDED;
        }
        return Math.max(1, (from + to - 1) / to);
    }

    private static boolean preTokenizerKeepsText(JsonElement p) {
        if (p == null || p.isJsonNull()) {
            return true;
        }
        String type = type(p);
        if (type == null) {
            return false;
        }
        switch (type) {
            case "ByteLevel", "Metaspace", "Digits", "Punctuation", "UnicodeScripts":
                return true;
            case "Split": {
                JsonElement behavior = p.getAsJsonObject().get("behavior");
                return behavior == null || !"Removed".equals(behavior.getAsString());
            }
            case "Sequence": {
                JsonElement steps = p.getAsJsonObject().get("pretokenizers");
                if (steps == null || !steps.isJsonArray()) {
                    return false;
                }
                for (JsonElement s : steps.getAsJsonArray()) {
                    if (!preTokenizerKeepsText(s)) {
                        return false;
                    }
                }
                return true;
            }
            default:
                // Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit drop what they split on
                return false;
        }
    }

    private static boolean modelKeepsText(JsonElement m) {
        String type = type(m);
        if (!"BPE".equals(type) && !"Unigram".equals(type)) {
            return false; // WordPiece and WordLevel map a whole unknown word to one token
        }
        JsonObject o = m.getAsJsonObject();
        boolean byteFallback = flag(o, "byte_fallback");
        if ("Unigram".equals(type)) {
            // Unigram fuses a run of unknown characters into one unknown token
            return byteFallback || !o.has("unk_id") || o.get("unk_id").isJsonNull();
        }
        return byteFallback || !hasUnknown(o) || !flag(o, "fuse_unk");
    }

    private static boolean unknownPerCharacter(JsonElement m) {
        return m != null && m.isJsonObject() && "BPE".equals(type(m)) && hasUnknown(m.getAsJsonObject())
                && !flag(m.getAsJsonObject(), "byte_fallback");
    }

    private static boolean hasUnknown(JsonObject model) {
        return model.has("unk_token") && !model.get("unk_token").isJsonNull();
    }

    /** Whether an added token eats the whitespace beside it ({@code lstrip}/{@code rstrip}). */
    private static boolean addedTokensStrip(JsonElement added) {
        if (added == null || !added.isJsonArray()) {
            return false;
        }
        for (JsonElement t : added.getAsJsonArray()) {
            if (t.isJsonObject() && (flag(t.getAsJsonObject(), "lstrip") || flag(t.getAsJsonObject(), "rstrip"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean flag(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
    }
}
