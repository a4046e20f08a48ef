package dev.jgpt.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's byte-level BPE vocabulary (token string to id, {@code encoder.json}) and merge list
 * ({@code vocab.bpe}), either read from OpenAI's files or derived from the tiktoken ranks that
 * {@code com.knuddels:jtokkit} ships.
 *
 * <p>Deriving merges from ranks: the token of rank {@code r} is produced by exactly one merge,
 * found by running BPE on its bytes with only the tokens of rank below {@code r}; what is left is
 * two parts, and those are the merge. The result equals OpenAI's files entry for entry (tested).
 */
public final class Gpt2Vocabulary {

    /** The end-of-text token. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    /** Its id in GPT-2. */
    public static final int END_OF_TEXT_ID = 50256;

    private static final String RANKS_RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";

    private static volatile Gpt2Vocabulary builtIn;

    private final Map<String, Integer> vocab;
    private final List<String> merges;

    private Gpt2Vocabulary(Map<String, Integer> vocab, List<String> merges) {
        this.vocab = Collections.unmodifiableMap(vocab);
        this.merges = Collections.unmodifiableList(merges);
    }

    /** Token string to id, including {@code <|endoftext|>}; 50,257 entries. */
    public Map<String, Integer> vocab() {
        return vocab;
    }

    /** Merges in priority order, each {@code "left right"}; 50,000 entries. */
    public List<String> merges() {
        return merges;
    }

    /** The vocabulary derived from the GPT-2 ranks inside jtokkit; built once, then shared. */
    public static Gpt2Vocabulary builtIn() {
        Gpt2Vocabulary v = builtIn;
        if (v == null) {
            synchronized (Gpt2Vocabulary.class) {
                v = builtIn;
                if (v == null) {
                    v = fromRanks(readRanks());
                    builtIn = v;
                }
            }
        }
        return v;
    }

    /** Reads tiktoken's {@code r50k_base} ranks: raw token bytes (as ISO-8859-1 text) to rank. */
    private static Map<String, Integer> readRanks() {
        InputStream in = Gpt2Vocabulary.class.getResourceAsStream(RANKS_RESOURCE);
        if (in == null) {
            throw new IllegalStateException(
                    "The GPT-2 ranks " + RANKS_RESOURCE + " are not on the classpath (jtokkit)");
        }
        Map<String, Integer> ranks = new HashMap<>(100_000);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                int space = line.indexOf(' ');
                byte[] bytes = Base64.getDecoder().decode(line.substring(0, space));
                ranks.put(new String(bytes, StandardCharsets.ISO_8859_1),
                        Integer.parseInt(line.substring(space + 1).trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the GPT-2 ranks", e);
        }
        return ranks;
    }

    /** Derives vocabulary and merges from tiktoken ranks (keys are bytes as ISO-8859-1 text). */
    static Gpt2Vocabulary fromRanks(Map<String, Integer> ranks) {
        String[] byRank = new String[ranks.size()];
        ranks.forEach((bytes, rank) -> byRank[rank] = bytes);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> merges = new ArrayList<>(byRank.length);
        for (int rank = 0; rank < byRank.length; rank++) {
            String token = byRank[rank];
            vocab.put(ByteLevel.encode(token.getBytes(StandardCharsets.ISO_8859_1)), rank);
            if (token.length() < 2) {
                continue;
            }
            List<String> parts = bpe(token, ranks, rank);
            if (parts.size() != 2) {
                throw new IllegalStateException(
                        "Rank " + rank + " does not come from a single merge: " + parts);
            }
            merges.add(ByteLevel.encode(parts.get(0).getBytes(StandardCharsets.ISO_8859_1)) + " "
                    + ByteLevel.encode(parts.get(1).getBytes(StandardCharsets.ISO_8859_1)));
        }
        vocab.put(END_OF_TEXT, END_OF_TEXT_ID);
        return new Gpt2Vocabulary(vocab, merges);
    }

    /** BPE over single bytes using only tokens whose rank is below {@code maxRank}. */
    private static List<String> bpe(String token, Map<String, Integer> ranks, int maxRank) {
        List<String> parts = new ArrayList<>(token.length());
        for (int i = 0; i < token.length(); i++) {
            parts.add(token.substring(i, i + 1));
        }
        while (true) {
            int best = -1;
            int bestRank = maxRank;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                return parts;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
    }

    /**
     * Reads OpenAI's {@code encoder.json} and {@code vocab.bpe}.
     *
     * @throws IllegalArgumentException naming the file and line for malformed input
     */
    public static Gpt2Vocabulary fromFiles(Path encoderJson, Path vocabBpe) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        JsonObject obj;
        try {
            obj = JsonParser.parseString(read(encoderJson)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(encoderJson + " is not a JSON object: " + e.getMessage(), e);
        }
        for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
            vocab.put(e.getKey(), e.getValue().getAsInt());
        }
        List<String> merges = new ArrayList<>();
        List<String> lines = List.of(read(vocabBpe).split("\n"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            if (line.split(" ").length != 2) {
                throw new IllegalArgumentException(
                        vocabBpe + " line " + (i + 1) + ": expected two symbols, got '" + line + "'");
            }
            merges.add(line);
        }
        return new Gpt2Vocabulary(vocab, merges);
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
        }
    }

    /** This vocabulary as a HuggingFace {@code tokenizer.json} for GPT-2 (byte-level BPE). */
    String toTokenizerJson(boolean withEndOfText) {
        Map<String, Object> byteLevel = new LinkedHashMap<>();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", true);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", null);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        Map<String, Integer> modelVocab = new LinkedHashMap<>(vocab);
        if (!withEndOfText) {
            modelVocab.remove(END_OF_TEXT);
        }
        model.put("vocab", modelVocab);
        model.put("merges", merges);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Object> added = new ArrayList<>();
        if (withEndOfText) {
            Map<String, Object> eot = new LinkedHashMap<>();
            eot.put("id", END_OF_TEXT_ID);
            eot.put("content", END_OF_TEXT);
            eot.put("single_word", false);
            eot.put("lstrip", false);
            eot.put("rstrip", false);
            eot.put("normalized", true);
            eot.put("special", true);
            added.add(eot);
        }
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", byteLevel);
        root.put("post_processor", null);
        root.put("decoder", byteLevel);
        root.put("model", model);
        return new com.google.gson.GsonBuilder().serializeNulls().disableHtmlEscaping().create()
                .toJson(root);
    }
}
