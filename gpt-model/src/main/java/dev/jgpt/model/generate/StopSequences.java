package dev.jgpt.model.generate;

import java.util.List;

/**
 * Cuts generated text at the first of some stop sequences (which are not part of the result),
 * holding back just enough of a stream that a stop sequence split across pieces is never sent:
 * with stops of at most {@code n} characters, the last {@code n - 1} characters wait until the
 * next piece shows they do not begin one. Also notices when the receiver wants no more.
 */
final class StopSequences {

    private final List<String> stops;
    private final TextGenerator.TextSink sink;
    private final int holdBack;
    private final StringBuilder all = new StringBuilder();
    private int sent;
    private boolean stopped;
    private boolean cancelled;

    /**
     * @param stops the stop sequences (none: the text is never cut)
     * @param sink receives the text as it is released, or {@code null}
     */
    StopSequences(List<String> stops, TextGenerator.TextSink sink) {
        this.stops = stops == null ? List.of() : List.copyOf(stops);
        for (String s : this.stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("A stop sequence must not be empty");
            }
        }
        this.sink = sink;
        this.holdBack = this.stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Adds a piece of text; false when generation should stop (a stop sequence, or the sink left). */
    boolean accept(String piece) {
        if (stopped || cancelled) {
            return false;
        }
        all.append(piece);
        int cut = -1;
        for (String s : stops) {
            int at = all.indexOf(s, Math.max(0, sent - s.length()));
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            all.setLength(cut);
            stopped = true;
            send(all.length());
            return false;
        }
        return send(all.length() - holdBack);
    }

    private boolean send(int upTo) {
        if (sink != null && upTo > sent) {
            String piece = all.substring(sent, upTo);
            sent = upTo;
            if (!sink.onText(piece)) {
                cancelled = true;
                return false;
            }
        }
        return true;
    }

    /** Releases what is still held back (generation has ended). */
    void finish() {
        if (!cancelled) {
            send(all.length());
        }
    }

    /** Whether a stop sequence ended the text. */
    boolean stopped() {
        return stopped;
    }

    /** Whether the sink asked for no more. */
    boolean cancelled() {
        return cancelled;
    }

    /** The text so far, cut at a stop sequence. */
    String text() {
        return all.toString();
    }
}
