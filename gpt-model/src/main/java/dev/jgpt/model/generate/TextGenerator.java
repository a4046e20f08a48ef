package dev.jgpt.model.generate;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text in, text out: tokenizes the prompt, generates, and decodes. With a text listener the
 * continuation is streamed as it is produced, holding back only the bytes of a character that a
 * later token completes, and with stop sequences only as much text as could begin one.
 */
public final class TextGenerator {

    /** Why a generation ended. */
    public enum FinishReason {
        /** An end id or a stop sequence. */
        STOP,
        /** The token limit, or the receiver asked for no more. */
        LENGTH
    }

    /**
     * What {@link #complete} produced.
     *
     * @param text the continuation, without the prompt and cut before any stop sequence
     * @param finishReason why it ended
     * @param promptTokens tokens in the prompt
     * @param completionTokens tokens generated (including any that made up a stop sequence)
     */
    public record Completion(String text, FinishReason finishReason, int promptTokens, int completionTokens) {}

    /** Receives streamed text; returns false to stop generating (e.g. the client has gone). */
    @FunctionalInterface
    public interface TextSink {
        boolean onText(String piece);
    }

    private final TokenSource generator;
    private final Tokenizer tokenizer;

    /** Generates with {@code lm} (key/value cache on) and {@code tokenizer}. */
    public TextGenerator(LanguageModel lm, Tokenizer tokenizer) {
        this(new Generator(lm), tokenizer);
    }

    /**
     * Generates with {@code generator} (a {@link Generator}, or a {@link ContinuousBatcher} shared
     * by many callers) and {@code tokenizer}.
     */
    public TextGenerator(TokenSource generator, Tokenizer tokenizer) {
        this.generator = generator;
        this.tokenizer = tokenizer;
    }

    /**
     * The continuation of {@code prompt} (without the prompt).
     *
     * @param onText receives each new piece of text as soon as it is complete, or {@code null}
     */
    public String generate(String prompt, SamplingConfig config, Consumer<String> onText) {
        return generate(tokenizer.encode(prompt), config, onText);
    }

    /** As {@link #generate(String, SamplingConfig, Consumer)}, for a prompt already encoded. */
    public String generate(long[] ids, SamplingConfig config, Consumer<String> onText) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give some text to continue");
        }
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer);
        long[] out = generator.generate(ids, config, id -> {
            String piece = decoder.add(id);
            if (onText != null && !piece.isEmpty()) {
                onText.accept(piece);
            }
            return true;
        });
        String rest = decoder.flush();
        if (onText != null && !rest.isEmpty()) {
            onText.accept(rest);
        }
        return tokenizer.decode(out);
    }

    /**
     * Continues {@code promptIds}, cutting the text at the first of {@code stops} (and stopping
     * there), streaming it to {@code sink} if given. A stop sequence split across tokens or
     * streamed pieces is never sent.
     *
     * @param stops stop sequences, none empty; {@code null} or empty for none
     */
    public Completion complete(long[] promptIds, SamplingConfig config, List<String> stops, TextSink sink) {
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give some text to continue");
        }
        StopSequences filter = new StopSequences(stops, sink);
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer);
        int[] count = {0};
        long[] out = generator.generate(promptIds, config, id -> {
            count[0]++;
            return filter.accept(decoder.add(id));
        });
        boolean stopped = filter.stopped();
        if (!stopped) {
            filter.accept(decoder.flush());
            stopped = filter.stopped();
        }
        filter.finish();
        boolean hitEnd = out.length < config.maxNewTokens() && !filter.cancelled();
        return new Completion(filter.text(), stopped || hitEnd ? FinishReason.STOP : FinishReason.LENGTH,
                promptIds.length, count[0]);
    }

    /**
     * Turns a stream of ids into a stream of text. Byte-level BPE tokens can end inside a UTF-8
     * character; such a tail decodes to U+FFFD and is held back until the next token completes it.
     */
    public static final class IncrementalDecoder {

        private final Tokenizer tokenizer;
        private long[] ids = new long[16];
        private int count;
        private int emitted;

        /** A decoder over {@code tokenizer}. */
        public IncrementalDecoder(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        /** Adds a token; returns the newly complete text (possibly empty). */
        public String add(long id) {
            if (count == ids.length) {
                ids = java.util.Arrays.copyOf(ids, count * 2);
            }
            ids[count++] = id;
            String text = tokenizer.decode(java.util.Arrays.copyOf(ids, count));
            if (text.endsWith("\uFFFD")) {
                return "";
            }
            String piece = text.substring(Math.min(emitted, text.length()));
            emitted = text.length();
            return piece;
        }

        /** Whatever is still held back (an incomplete character decodes as U+FFFD). */
        public String flush() {
            String text = tokenizer.decode(java.util.Arrays.copyOf(ids, count));
            String piece = text.substring(Math.min(emitted, text.length()));
            emitted = text.length();
            return piece;
        }
    }
}
