package dev.jgpt.examples.serve;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.List;

/**
 * The server on the tiny fixture model over loopback, as {@code jgpt serve} sets it up, plus the
 * reference texts the serving tests compare with: the {@link Generator}'s own greedy output
 * (which {@code GeneratorTest} checks against the fixture's reference ids).
 */
final class TinyServer implements AutoCloseable {

    /** The model id the server answers to. */
    static final String MODEL = "tiny-gpt2";

    final LanguageModel lm;
    final Tokenizer tokenizer;
    final OpenAiServer server;

    private TinyServer(int maxConcurrency, int maxQueue) throws IOException {
        lm = LanguageModel.load(TinyGpt2Fixture.load().dir);
        lm.block().freezeParameters(true);
        tokenizer = Gpt2Tokenizer.builtIn();
        server = new OpenAiServer(new CompletionService(lm, tokenizer), PromptFormat.ALPACA, MODEL, "127.0.0.1", 0,
                maxConcurrency, maxQueue);
    }

    /** A server with {@code maxConcurrency} slots and no queue. */
    static TinyServer start(int maxConcurrency) throws IOException {
        return new TinyServer(maxConcurrency, 0);
    }

    /** A server with {@code maxConcurrency} slots and up to {@code maxQueue} waiting requests. */
    static TinyServer start(int maxConcurrency, int maxQueue) throws IOException {
        return new TinyServer(maxConcurrency, maxQueue);
    }

    /** {@code http://127.0.0.1:PORT} + {@code path}. */
    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** The greedy continuation of {@code prompt} (at most {@code maxTokens}, stops at end-of-text). */
    String greedy(String prompt, int maxTokens) {
        return tokenizer.decode(greedyIds(prompt, maxTokens));
    }

    /** The token ids of {@link #greedy}. */
    long[] greedyIds(String prompt, int maxTokens) {
        return new Generator(lm).generate(tokenizer.encode(prompt),
                SamplingConfig.greedy(maxTokens).withEndOfText(SamplingConfig.GPT2_END_OF_TEXT), null);
    }

    /** The greedy assistant reply to {@code messages}, rendered as the server renders them. */
    String chatGreedy(List<ChatMessage> messages, int maxTokens) {
        return greedy(PromptFormat.ALPACA.render(messages), maxTokens);
    }

    /** Tokens in {@code text}. */
    int tokens(String text) {
        return tokenizer.encode(text).length;
    }

    @Override
    public void close() {
        server.close();
        tokenizer.close();
        lm.close();
    }
}
