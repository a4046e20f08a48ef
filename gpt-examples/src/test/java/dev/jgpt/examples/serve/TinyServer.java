package dev.jgpt.examples.serve;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.testing.TestData;
import dev.jgpt.model.testing.TinyGpt2Fixture;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.Gpt2Tokenizer;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The server on a tiny fixture model over loopback, as {@code jgpt serve} sets it up (GPT-2 with
 * the Alpaca format, or a family folder with its chat template, tokenizer and generation
 * config), plus the reference texts the serving tests compare with: the {@link Generator}'s own
 * greedy output (which {@code GeneratorTest} and {@code FamilyFixturesTest} check against the
 * fixtures' reference ids).
 */
final class TinyServer implements AutoCloseable {

    /** The model id the server answers to. */
    static final String MODEL = "tiny-gpt2";

    final LanguageModel lm;
    final Tokenizer tokenizer;
    final ChatFormat format;
    final CompletionService service;
    final OpenAiServer server;
    final String model;

    /** Prompt tokens run per decode step while a request joins the batch: small, so prompts take several. */
    static final int PREFILL_CHUNK = 8;

    private TinyServer(CompletionService.Scheduling scheduling, int maxQueue, HttpLimits limits, AccessLog log,
            java.util.function.UnaryOperator<Tokenizer> wrap) throws IOException {
        lm = LanguageModel.load(TinyGpt2Fixture.load().dir);
        lm.block().freezeParameters(true);
        tokenizer = wrap.apply(Gpt2Tokenizer.builtIn());
        format = ChatFormat.of(PromptFormat.ALPACA);
        model = MODEL;
        service = scheduling.open(lm, tokenizer);
        server = new OpenAiServer(service, format, OpenAiServer.OPENAI_DEFAULTS, MODEL, "127.0.0.1", 0,
                scheduling.concurrency(), maxQueue, limits, log);
    }

    private TinyServer(Path folder, int maxConcurrency) throws IOException {
        lm = LanguageModel.load(folder);
        lm.block().freezeParameters(true);
        tokenizer = Tokenizers.forModel(folder);
        format = ChatFormat.forModel(folder);
        model = folder.getFileName().toString();
        service = CompletionService.batched(lm, tokenizer, maxConcurrency, PREFILL_CHUNK);
        server = new OpenAiServer(service, format, GenerationConfig.read(folder), model, "127.0.0.1", 0,
                maxConcurrency, 0);
    }

    /** A server over the model folder {@code testdata/<fixture>} (copied into {@code dir}), named after it. */
    static TinyServer family(String fixture, Path dir, int maxConcurrency) throws IOException {
        return new TinyServer(TestData.modelFolder(fixture, dir), maxConcurrency);
    }

    /** A server batching up to {@code maxConcurrency} requests, no queue. */
    static TinyServer start(int maxConcurrency) throws IOException {
        return start(maxConcurrency, 0);
    }

    /** A server batching up to {@code maxConcurrency} requests, with up to {@code maxQueue} waiting. */
    static TinyServer start(int maxConcurrency, int maxQueue) throws IOException {
        return start(CompletionService.Scheduler.BATCH, maxConcurrency, maxQueue);
    }

    /** A server under {@code scheduler} with {@code maxConcurrency} slots (or batch rows) and {@code maxQueue} places. */
    static TinyServer start(CompletionService.Scheduler scheduler, int maxConcurrency, int maxQueue)
            throws IOException {
        return start(batch(scheduler, maxConcurrency), maxQueue);
    }

    /** A server under {@code scheduling} with up to {@code maxQueue} waiting requests. */
    static TinyServer start(CompletionService.Scheduling scheduling, int maxQueue) throws IOException {
        return new TinyServer(scheduling, maxQueue, HttpLimits.DEFAULTS, AccessLog.slf4j(), t -> t);
    }

    /** As above, within {@code limits}, writing the access log to {@code log}. */
    static TinyServer start(int maxConcurrency, int maxQueue, HttpLimits limits, AccessLog log) throws IOException {
        return new TinyServer(batch(CompletionService.Scheduler.BATCH, maxConcurrency), maxQueue, limits, log, t -> t);
    }

    /** A one-slot server whose service sees GPT-2's tokenizer through {@code wrap} (tests watch what is encoded). */
    static TinyServer withTokenizer(java.util.function.UnaryOperator<Tokenizer> wrap) throws IOException {
        return new TinyServer(batch(CompletionService.Scheduler.BATCH, 1), 0, HttpLimits.DEFAULTS, AccessLog.slf4j(),
                wrap);
    }

    private static CompletionService.Scheduling batch(CompletionService.Scheduler scheduler, int maxConcurrency) {
        return new CompletionService.Scheduling(scheduler, maxConcurrency, PREFILL_CHUNK, 0);
    }

    /** {@code http://127.0.0.1:PORT} + {@code path}. */
    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** The greedy continuation of {@code prompt} (at most {@code maxTokens}, stops at end-of-text). */
    String greedy(String prompt, int maxTokens) {
        return tokenizer.decode(greedyIds(prompt, maxTokens));
    }

    /** The token ids of {@link #greedy}: a plain prompt, with the tokenizer's own special tokens. */
    long[] greedyIds(String prompt, int maxTokens) {
        return greedyIdsOf(tokenizer.encodeWithSpecialTokens(prompt), maxTokens);
    }

    private long[] greedyIdsOf(long[] promptIds, int maxTokens) {
        return new Generator(lm).generate(promptIds, SamplingConfig.greedy(maxTokens).withEndIdsOf(tokenizer), null);
    }

    /** The greedy assistant reply to {@code messages}, rendered as the server renders them. */
    String chatGreedy(List<ChatMessage> messages, int maxTokens) {
        return tokenizer.decode(chatGreedyIds(messages, maxTokens));
    }

    /** The token ids of {@link #chatGreedy}. */
    long[] chatGreedyIds(List<ChatMessage> messages, int maxTokens) {
        return chatGreedyIds(messages, java.util.Map.of(), maxTokens);
    }

    /** The token ids of {@link #chatGreedy} with template arguments. */
    long[] chatGreedyIds(List<ChatMessage> messages, java.util.Map<String, ?> templateArgs, int maxTokens) {
        return greedyIdsOf(tokenizer.encode(format.prompt(messages, templateArgs)), maxTokens);
    }

    /** The ids of sampling {@code messages}' reply as {@code sampling} says. */
    long[] chatSampledIds(List<ChatMessage> messages, SamplingConfig sampling) {
        return new Generator(lm).generate(tokenizer.encode(format.prompt(messages, java.util.Map.of())),
                sampling.withEndIdsOf(tokenizer), null);
    }

    /** Tokens of the plain prompt {@code text}. */
    int tokens(String text) {
        return tokenizer.encodeWithSpecialTokens(text).length;
    }

    /** Tokens of the conversation's rendered prompt. */
    int chatTokens(List<ChatMessage> messages) {
        return chatTokens(messages, java.util.Map.of());
    }

    /** Tokens of the conversation's rendered prompt with template arguments. */
    int chatTokens(List<ChatMessage> messages, java.util.Map<String, ?> templateArgs) {
        return tokenizer.encode(format.prompt(messages, templateArgs)).length;
    }

    @Override
    public void close() {
        server.close();
        service.close();
        tokenizer.close();
        lm.close();
    }
}
