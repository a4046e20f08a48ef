package dev.jgpt.training;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Judge-free scores of a response against the reference output, computable offline: exact match
 * and token-level F1 after SQuAD-style normalisation (lower case, punctuation and the articles
 * a/an/the removed, whitespace collapsed).
 */
public final class TextOverlap {

    /**
     * Means over a set of responses.
     *
     * @param exactMatch share of responses equal to their reference after normalisation
     * @param tokenF1 mean token F1
     * @param count responses scored
     */
    public record Summary(double exactMatch, double tokenF1, int count) {}

    private TextOverlap() {}

    /** Lower case, no punctuation, no articles, single spaces. */
    public static String normalize(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        t = t.replaceAll("[\\p{P}\\p{S}]", " ");
        t = t.replaceAll("\\b(a|an|the)\\b", " ");
        return t.replaceAll("\\s+", " ").strip();
    }

    /** Whether the normalised texts are equal. */
    public static boolean exactMatch(String response, String reference) {
        return normalize(response).equals(normalize(reference));
    }

    /** The F1 of the normalised tokens' multiset overlap (1 when both are empty). */
    public static double tokenF1(String response, String reference) {
        String[] r = tokens(response);
        String[] g = tokens(reference);
        if (r.length == 0 || g.length == 0) {
            return r.length == g.length ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String t : g) {
            counts.merge(t, 1, Integer::sum);
        }
        int common = 0;
        for (String t : r) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = common / (double) r.length;
        double recall = common / (double) g.length;
        return 2 * precision * recall / (precision + recall);
    }

    /** Means over {@code responses}. */
    public static Summary summarize(List<InstructionResponses.Response> responses) {
        double em = 0;
        double f1 = 0;
        for (InstructionResponses.Response r : responses) {
            em += exactMatch(r.modelResponse(), r.example().output()) ? 1 : 0;
            f1 += tokenF1(r.modelResponse(), r.example().output());
        }
        int n = responses.size();
        return new Summary(n == 0 ? 0 : em / n, n == 0 ? 0 : f1 / n, n);
    }

    private static String[] tokens(String s) {
        String n = normalize(s);
        return n.isEmpty() ? new String[0] : n.split(" ");
    }
}
