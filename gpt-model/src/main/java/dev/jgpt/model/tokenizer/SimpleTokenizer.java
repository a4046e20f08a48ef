package dev.jgpt.model.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The book's teaching tokenizer (chapter 2, {@code SimpleTokenizerV1}/{@code V2}): split on
 * punctuation and whitespace, number the distinct tokens of a training text in sorted order, and
 * map text to ids and back. Unlike BPE it cannot encode a word it has not seen: with {@code
 * <|unk|>} in the vocabulary (V2) unknown words map to it; without (V1) they are an error.
 */
public final class SimpleTokenizer {

    /** The unknown-word token. */
    public static final String UNKNOWN = "<|unk|>";

    private static final Pattern SPLIT = Pattern.compile("([,.:;?_!\"()']|--|\\s)");
    private static final Pattern SPACE_BEFORE_PUNCT = Pattern.compile("\\s+([,.?!\"()'])");

    private final Map<String, Integer> strToInt;
    private final List<String> intToStr;

    private SimpleTokenizer(Map<String, Integer> vocab) {
        this.strToInt = Collections.unmodifiableMap(vocab);
        String[] inverse = new String[vocab.size()];
        vocab.forEach((token, id) -> inverse[id] = token);
        this.intToStr = List.of(inverse);
    }

    /** Splits text into words and punctuation, dropping whitespace (the book's regex). */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        int last = 0;
        while (m.find()) {
            addStripped(out, text.substring(last, m.start()));
            addStripped(out, m.group());
            last = m.end();
        }
        addStripped(out, text.substring(last));
        return out;
    }

    private static void addStripped(List<String> out, String piece) {
        String s = piece.strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }

    /**
     * Builds the vocabulary from {@code text}: its distinct tokens in sorted order, then, if
     * {@code withSpecialTokens}, {@code <|endoftext|>} and {@code <|unk|>} (the book's V2).
     */
    public static SimpleTokenizer fromText(String text, boolean withSpecialTokens) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String token : new TreeSet<>(split(text))) {
            vocab.put(token, vocab.size());
        }
        if (withSpecialTokens) {
            vocab.putIfAbsent(Gpt2Vocabulary.END_OF_TEXT, vocab.size());
            vocab.putIfAbsent(UNKNOWN, vocab.size());
        }
        return new SimpleTokenizer(vocab);
    }

    /** Token to id. */
    public Map<String, Integer> vocab() {
        return strToInt;
    }

    /**
     * Text to ids.
     *
     * @throws IllegalArgumentException for a token outside the vocabulary when there is no
     *     {@code <|unk|>}
     */
    public int[] encode(String text) {
        List<String> tokens = split(text);
        Integer unk = strToInt.get(UNKNOWN);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = strToInt.get(tokens.get(i));
            if (id == null) {
                if (unk == null) {
                    throw new IllegalArgumentException(
                            "'" + tokens.get(i) + "' is not in the vocabulary (no <|unk|> token)");
                }
                id = unk;
            }
            ids[i] = id;
        }
        return ids;
    }

    /** Ids to text: tokens joined by spaces, with the space before punctuation removed. */
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= intToStr.size()) {
                throw new IllegalArgumentException("Id " + id + " is not in the vocabulary");
            }
            tokens.add(intToStr.get(id));
        }
        return SPACE_BEFORE_PUNCT.matcher(String.join(" ", tokens)).replaceAll("$1");
    }
}
