package dev.jgpt.examples.serve;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.List;

/**
 * Completions for the server: validates a request against the model, generates, applies stop
 * sequences (also across streamed pieces), and counts tokens. One instance serves many threads;
 * each call has its own generator and key/value cache.
 */
public final class CompletionService {

    /**
     * A validated request.
     *
     * @param prompt the text to continue
     * @param chat whether {@code prompt} is a rendered chat, which holds its special tokens (encoded
     *     as it is); a plain prompt gets the tokenizer's own (Llama's BOS), as HF's servers do
     * @param maxTokens most new tokens
     * @param temperature 0 for greedy
     * @param topP nucleus mass in (0, 1]
     * @param topK 0 for off
     * @param stop up to 4 stop sequences (not included in the text)
     * @param seed sampling seed
     */
    public record Request(String prompt, boolean chat, int maxTokens, float temperature, float topP, int topK,
            List<String> stop, long seed) {}

    /**
     * What a completion produced.
     *
     * @param text the completion (without the prompt or a stop sequence)
     * @param finishReason {@code stop} (end-of-text or a stop sequence) or {@code length}
     * @param promptTokens tokens in the prompt
     * @param completionTokens tokens generated
     */
    public record Result(String text, String finishReason, int promptTokens, int completionTokens) {}

    /** Receives streamed text; returns false when the client is gone, which stops generation. */
    @FunctionalInterface
    public interface Sink {
        boolean onText(String piece);
    }

    /** A request the model cannot take, naming the field. */
    public static final class InvalidRequest extends RuntimeException {
        private final String param;

        InvalidRequest(String param, String message) {
            super(message);
            this.param = param;
        }

        /** The request field at fault. */
        public String param() {
            return param;
        }
    }

    private final LanguageModel lm;
    private final Tokenizer tokenizer;
    private final java.util.concurrent.atomic.AtomicInteger generating = new java.util.concurrent.atomic.AtomicInteger();

    /** Serves {@code lm} with {@code tokenizer}. */
    public CompletionService(LanguageModel lm, Tokenizer tokenizer) {
        this.lm = lm;
        this.tokenizer = tokenizer;
    }

    /** The model's context length. */
    public int contextLength() {
        return lm.config().contextLength();
    }

    /**
     * The number of tokens of {@code text}, a rendered chat or a plain prompt.
     *
     * @throws InvalidRequest naming {@code messages} or {@code prompt} if the text cannot fit the
     *     context with one new token, known from its length before encoding it
     */
    public int countTokens(String text, boolean chat) {
        refuseUnfitting(text, chat, 1);
        return encode(text, chat).length;
    }

    /**
     * Refuses a prompt that cannot fit the context with {@code maxTokens} new tokens, from its
     * byte length and {@link Tokenizer#maxTokenBytes} alone: no encoding, so a megabyte of text
     * costs one pass over its characters rather than a full tokenization.
     */
    private void refuseUnfitting(String text, boolean chat, int maxTokens) {
        long least = tokenizer.minTokens(text);
        int context = contextLength();
        if (least + maxTokens <= context) {
            return;
        }
        long bytes = Tokenizer.utf8Length(text);
        String field = chat ? "messages" : "prompt";
        String what = (chat ? "The rendered messages are " : "The prompt is ") + bytes + " bytes, so at least " + least
                + " tokens (no token of this model stands for more than " + tokenizer.maxTokenBytes() + " bytes)";
        if (least + 1 > context) {
            throw new InvalidRequest(field, what + ": more than the model's context of " + context + " tokens");
        }
        throw new InvalidRequest("max_tokens", what + " and max_tokens is " + maxTokens + ": together more than the"
                + " model's context of " + context + " tokens");
    }

    private long[] encode(String text, boolean chat) {
        return chat ? tokenizer.encode(text) : tokenizer.encodeWithSpecialTokens(text);
    }

    /**
     * The prompt's token ids, once {@code r} is known to fit the model.
     *
     * @throws InvalidRequest if the prompt is empty or prompt + max_tokens exceed the context
     *     (refused from the prompt's length before encoding it where that already shows)
     */
    public long[] check(Request r) {
        refuseUnfitting(r.prompt(), r.chat(), r.maxTokens());
        long[] ids = encode(r.prompt(), r.chat());
        if (ids.length == 0) {
            throw new InvalidRequest("prompt", "The prompt is empty");
        }
        int context = contextLength();
        if (ids.length + r.maxTokens() > context) {
            throw new InvalidRequest("max_tokens", "The prompt has " + ids.length + " tokens and max_tokens is "
                    + r.maxTokens() + ": together more than the model's context of " + context + " tokens");
        }
        return ids;
    }

    /**
     * The number of sequences in the current forward pass: each generation runs its own forward
     * of batch 1, so 1 while any generation runs, else 0 (the server's {@code jgpt_batch_size}).
     */
    public int batchSize() {
        return generating.get() > 0 ? 1 : 0;
    }

    /** Completes {@code r}, whose prompt ids {@link #check} returned, streaming to {@code sink} if given. */
    public Result complete(Request r, long[] ids, Sink sink) {
        generating.incrementAndGet();
        try {
            return generate(r, ids, sink);
        } finally {
            generating.decrementAndGet();
        }
    }

    private Result generate(Request r, long[] ids, Sink sink) {
        SamplingConfig cfg = SamplingConfig.greedy(r.maxTokens())
                .withSampling(r.temperature(), r.topK(), r.topP(), r.seed())
                .withEndIdsOf(tokenizer);
        TextGenerator.Completion c = new TextGenerator(new Generator(lm), tokenizer)
                .complete(ids, cfg, r.stop(), sink == null ? null : sink::onText);
        String reason = c.finishReason() == TextGenerator.FinishReason.STOP ? "stop" : "length";
        return new Result(c.text(), reason, c.promptTokens(), c.completionTokens());
    }
}
