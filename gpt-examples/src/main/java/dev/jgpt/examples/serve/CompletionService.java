package dev.jgpt.examples.serve;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ContinuousBatcher;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.generate.TokenSource;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Completions for the server: validates a request against the model, generates, applies stop
 * sequences (also across streamed pieces), and counts tokens. One instance serves many threads,
 * under one of two {@link Scheduler}s: {@link #batched} (one {@link ContinuousBatcher} advances
 * every running request in one forward pass per step) or {@link #perSlot} (each request decodes
 * alone with its own key/value cache, the design before batching, kept for comparison).
 */
public final class CompletionService implements AutoCloseable {

    /** How concurrent requests share the model. */
    public enum Scheduler {
        /** Continuous batching: one decode loop, all running sequences in each forward pass. */
        BATCH,
        /** Each request decodes alone on its own thread. */
        PER_SLOT
    }

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
    private final TokenSource source;
    private final ContinuousBatcher batcher;
    private final int maxLength;
    private final AtomicInteger generating = new AtomicInteger();

    private CompletionService(LanguageModel lm, Tokenizer tokenizer, ContinuousBatcher batcher, int maxLength) {
        int context = lm.config().contextLength();
        if (maxLength < 1 || maxLength > context) {
            throw new IllegalArgumentException("The longest request must be 1.." + context
                    + " tokens (the model's context), got " + maxLength);
        }
        this.lm = lm;
        this.tokenizer = tokenizer;
        this.batcher = batcher;
        this.maxLength = maxLength;
        this.source = batcher != null ? batcher : new Generator(lm);
    }

    /** Each request decodes alone ({@link Scheduler#PER_SLOT}); the server bounds how many at once. */
    public static CompletionService perSlot(LanguageModel lm, Tokenizer tokenizer) {
        return new CompletionService(lm, tokenizer, null, lm.config().contextLength());
    }

    /**
     * Requests share one decode loop ({@link Scheduler#BATCH}) of at most {@code maxBatch}
     * sequences per forward pass, prompts run {@code prefillChunk} tokens per step; {@link #close}
     * stops the loop.
     */
    public static CompletionService batched(LanguageModel lm, Tokenizer tokenizer, int maxBatch, int prefillChunk) {
        return new Scheduling(Scheduler.BATCH, maxBatch, prefillChunk, 0).open(lm, tokenizer);
    }

    /**
     * A scheduler and its sizes.
     *
     * @param concurrency generations at once: the batch's rows, or the slots
     * @param prefillChunk prompt tokens run per step while a request joins the batch
     * @param maxLength the most tokens (prompt and completion) a request may have, which bounds
     *     each sequence's key/value cache; 0 for the model's context
     */
    public record Scheduling(Scheduler scheduler, int concurrency, int prefillChunk, int maxLength) {
        public Scheduling {
            if (concurrency < 1 || prefillChunk < 1 || maxLength < 0) {
                throw new IllegalArgumentException("concurrency and prefillChunk must be >= 1 and maxLength >= 0, got "
                        + concurrency + ", " + prefillChunk + " and " + maxLength);
            }
        }

        /** The service for {@code lm} under this scheduling. */
        public CompletionService open(LanguageModel lm, Tokenizer tokenizer) {
            int length = maxLength == 0 ? lm.config().contextLength() : maxLength; // checked by the service
            return scheduler == Scheduler.BATCH
                    ? new CompletionService(lm, tokenizer, new ContinuousBatcher(lm, concurrency, prefillChunk, length),
                            length)
                    : new CompletionService(lm, tokenizer, null, length);
        }

        @Override
        public String toString() {
            return scheduler == Scheduler.BATCH ? "batch scheduler (up to " + concurrency + " per forward pass,"
                    + " prompts " + prefillChunk + " tokens per step)" : "per-slot scheduler (" + concurrency
                    + " slots)";
        }
    }

    /** The scheduler this service runs. */
    public Scheduler scheduler() {
        return batcher != null ? Scheduler.BATCH : Scheduler.PER_SLOT;
    }

    /**
     * Sequences in the current forward pass: the batch's rows under {@link Scheduler#BATCH}; 1
     * while any request generates under {@link Scheduler#PER_SLOT} (each forward runs one), else 0.
     */
    public int batchSize() {
        if (batcher == null) {
            return generating.get() > 0 ? 1 : 0;
        }
        ContinuousBatcher.Stats s = batcher.stats();
        return s.running() > 0 ? s.lastBatchSize() : 0;
    }

    /**
     * The most bytes of keys and values the running requests' caches hold: under {@link
     * Scheduler#BATCH} the batch's rows x {@link #contextLength()} positions; under {@link
     * Scheduler#PER_SLOT} per slot, whose cache (sized for the model's context) grows by doubling,
     * so up to twice the longest request.
     */
    public long cacheBytesBound() {
        long perPosition = ContinuousBatcher.cacheBytesPerPosition(lm.config(), lm.dataType());
        return batcher != null ? batcher.cacheBytesBound()
                : perPosition * Math.min(lm.config().contextLength(), Math.max(64L, 2L * maxLength));
    }

    /** Stops the batch scheduler's loop (requests still running end with an error). */
    @Override
    public void close() {
        if (batcher != null) {
            batcher.close();
        }
    }

    /** The most tokens a request may have, prompt and completion: the model's context, or less. */
    public int contextLength() {
        return maxLength;
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
            throw new InvalidRequest(field, what + ": more than " + limitText());
        }
        throw new InvalidRequest("max_tokens", what + " and max_tokens is " + maxTokens + ": together more than "
                + limitText());
    }

    /** What bounds a request: the model's context, or the server's {@code --max-length}. */
    private String limitText() {
        return maxLength == lm.config().contextLength() ? "the model's context of " + maxLength + " tokens"
                : "the " + maxLength + " tokens this server allows";
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
                    + r.maxTokens() + ": together more than " + limitText());
        }
        return ids;
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
        TextGenerator.Completion c = new TextGenerator(source, tokenizer)
                .complete(ids, cfg, r.stop(), sink == null ? null : sink::onText);
        String reason = c.finishReason() == TextGenerator.FinishReason.STOP ? "stop" : "length";
        return new Result(c.text(), reason, c.promptTokens(), c.completionTokens());
    }
}
