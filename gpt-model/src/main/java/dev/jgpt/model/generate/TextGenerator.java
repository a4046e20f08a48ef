package dev.jgpt.model.generate;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.function.Consumer;

/**
 * Text in, text out: tokenizes the prompt, generates, and decodes. With a text listener the
 * continuation is streamed as it is produced, holding back only the bytes of a character that a
 * later token completes.
 */
public final class TextGenerator {

    private final Generator generator;
    private final Tokenizer tokenizer;

    /** Generates with {@code lm} (key/value cache on) and {@code tokenizer}. */
    public TextGenerator(LanguageModel lm, Tokenizer tokenizer) {
        this(new Generator(lm), tokenizer);
    }

    /** Generates with {@code generator} and {@code tokenizer}. */
    public TextGenerator(Generator generator, Tokenizer tokenizer) {
        this.generator = generator;
        this.tokenizer = tokenizer;
    }

    /**
     * The continuation of {@code prompt} (without the prompt).
     *
     * @param onText receives each new piece of text as soon as it is complete, or {@code null}
     */
    public String generate(String prompt, SamplingConfig config, Consumer<String> onText) {
        long[] ids = tokenizer.encode(prompt);
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
