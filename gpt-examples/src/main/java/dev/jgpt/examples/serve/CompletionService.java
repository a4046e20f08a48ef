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

    /** The number of tokens of {@code text}, a rendered chat or a plain prompt. */
    public int countTokens(String text, boolean chat) {
        return encode(text, chat).length;
    }

    private long[] encode(String text, boolean chat) {
        return chat ? tokenizer.encode(text) : tokenizer.encodeWithSpecialTokens(text);
    }

    /**
     * The prompt's token ids, once {@code r} is known to fit the model.
     *
     * @throws InvalidRequest if the prompt is empty or prompt + max_tokens exceed the context
     */
    public long[] check(Request r) {
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
