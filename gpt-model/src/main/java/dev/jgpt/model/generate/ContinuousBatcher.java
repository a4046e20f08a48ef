package dev.jgpt.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.KvCache;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Continuous batching: one decode loop per model, on its own thread, that advances every running
 * sequence by one token in a single forward pass per step, as vLLM and HF TGI do. Sequences join
 * and leave at step boundaries; each keeps its own sampling settings, seed and end ids, so a
 * sequence's tokens are those {@link Generator#generate} gives it alone.
 *
 * <p>The running sequences share one {@link KvCache} whose rows lie on one timeline of {@code L}
 * positions, {@code L} being the longest sequence's length. A shorter sequence's row starts later:
 * the positions before its start are hidden by the padding mask and its position ids count from
 * its own first token. A step feeds each row's last token {@code (B, 1)} at position {@code
 * length} and appends one position to every row.
 *
 * <p>A new sequence's prompt is run alone into a one-row cache, {@code prefillChunk} tokens per
 * step, between decode steps: a long prompt delays the running streams by at most one chunk per
 * step. When its prompt is done, its first token is sampled and its row joins the batch at the
 * next boundary ({@link KvCache#merge}, right-aligned on the timeline). A sequence that ends (an
 * end id, its token limit, or {@link Sequence#cancel}) leaves at the next boundary ({@link
 * KvCache#retain}, which also drops the padding every remaining row has in front). So the cache
 * holds at most {@code maxBatch} rows of at most the context's positions: {@link
 * #cacheBytesBound()}.
 *
 * <p>Tokens are handed to each sequence's caller through a queue: a slow reader never holds up
 * the loop. Submitting does not block; bounding how many wait is the caller's job (the server's
 * queue).
 */
public final class ContinuousBatcher implements TokenSource, AutoCloseable {

    /** Tokens of a prompt run per step while it joins, by default. */
    public static final int DEFAULT_PREFILL_CHUNK = 256;

    private final CausalLm model;
    private final ParameterStore ps;
    private final NDManager manager;
    private final int maxBatch;
    private final int prefillChunk;
    private final int context;
    private final Object lock = new Object();
    private final List<Sequence> incoming = new ArrayList<>();
    private final Thread loop;
    private boolean closed;

    private volatile int running;
    private volatile int waiting;
    private volatile int lastBatchSize;
    private volatile long steps;

    /**
     * A batcher over {@code lm}, its decode loop started.
     *
     * @param maxBatch the most sequences in one forward pass (and rows in the cache)
     * @param prefillChunk the most prompt tokens run in one step while a sequence joins
     */
    public ContinuousBatcher(LanguageModel lm, int maxBatch, int prefillChunk) {
        this(lm.block(), new ParameterStore(lm.manager(), false), lm.manager(), maxBatch, prefillChunk);
    }

    /**
     * A batcher over an initialised model of any family, reading weights through {@code ps} and
     * creating its cache and temporaries under {@code manager}.
     */
    public ContinuousBatcher(CausalLm model, ParameterStore ps, NDManager manager, int maxBatch, int prefillChunk) {
        if (maxBatch < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("maxBatch and prefillChunk must be >= 1, got " + maxBatch + " and "
                    + prefillChunk);
        }
        this.model = model;
        this.ps = ps;
        this.manager = manager;
        this.maxBatch = maxBatch;
        this.prefillChunk = prefillChunk;
        this.context = model.config().contextLength();
        this.loop = new Thread(this::run, "jgpt-decode");
        loop.setDaemon(true);
        loop.start();
    }

    /** The most sequences in one forward pass. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * The most bytes the shared cache's keys and values take: {@code maxBatch} rows of the whole
     * context (the prompts being joined add one row each while they are run).
     */
    public long cacheBytesBound() {
        return cacheBytesPerPosition(model.config(), model.dataType()) * context * maxBatch;
    }

    /** Bytes of keys and values one position of one sequence takes in the cache of a model of {@code config}. */
    public static long cacheBytesPerPosition(ModelConfig config, DataType type) {
        return 2L * config.numLayers() * config.numKvHeads() * config.headDim() * type.getNumOfBytes();
    }

    /**
     * What the loop is doing now.
     *
     * @param running sequences in the batch
     * @param waiting sequences submitted whose prompt is not done yet
     * @param lastBatchSize rows of the last decode step
     * @param steps decode steps so far
     */
    public record Stats(int running, int waiting, int lastBatchSize, long steps) {}

    /** A snapshot of {@link Stats}. */
    public Stats stats() {
        return new Stats(running, waiting, lastBatchSize, steps);
    }

    /**
     * Adds a sequence to continue {@code prompt}; returns at once. Its tokens arrive through
     * {@link Sequence#await}.
     *
     * @throws IllegalArgumentException if the prompt is empty, holds an id outside the
     *     vocabulary, or with {@code maxNewTokens} does not fit the context (such prompts need
     *     {@link Generator}, which slides a window)
     */
    public Sequence submit(long[] prompt, SamplingConfig config) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give at least one token");
        }
        Tokenizer.requireInVocabulary(prompt, model.config().vocabSize());
        if (prompt.length + config.maxNewTokens() > context) {
            throw new IllegalArgumentException("The prompt (" + prompt.length + " tokens) and maxNewTokens ("
                    + config.maxNewTokens() + ") together exceed the context of " + context + " tokens");
        }
        Sequence s = new Sequence(prompt.clone(), config);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("The batcher is closed");
            }
            incoming.add(s);
            waiting++;
            lock.notifyAll();
        }
        return s;
    }

    /** Submits and delivers the tokens to {@code listener} on this thread ({@link TokenSource}). */
    @Override
    public long[] generate(long[] prompt, SamplingConfig config, TokenListener listener) {
        return submit(prompt, config).await(listener);
    }

    /** Stops the loop after its current step; sequences not finished end with an error. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            loop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One sequence: its prompt and settings, and (on the loop's thread) where it stands. */
    public static final class Sequence {

        private static final long END = Long.MIN_VALUE;

        private final long[] prompt;
        private final SamplingConfig config;
        private final Sampler sampler;
        private final BlockingQueue<Long> tokens = new LinkedBlockingQueue<>();
        private volatile boolean cancelled;
        private volatile RuntimeException failure;

        // owned by the loop's thread
        private KvCache prefill;
        private int prefilled;
        private int cached;
        private int produced;
        private long last;
        private boolean ended;

        private Sequence(long[] prompt, SamplingConfig config) {
            this.prompt = prompt;
            this.config = config;
            this.sampler = new Sampler(config);
        }

        /** Asks the loop to drop this sequence at the next step boundary (the client has gone). */
        public void cancel() {
            cancelled = true;
        }

        /**
         * Takes the tokens on the calling thread as they come, until the sequence ends.
         *
         * @param listener receives each token; false cancels the sequence; or {@code null}
         * @return the ids delivered (not an end id that stopped it)
         * @throws IllegalStateException if the loop failed or was closed before the end
         */
        public long[] await(TokenListener listener) {
            long[] out = new long[16];
            int n = 0;
            try {
                while (true) {
                    long id = tokens.take();
                    if (id == END) {
                        break;
                    }
                    if (n == out.length) {
                        out = Arrays.copyOf(out, 2 * n);
                    }
                    out[n++] = id;
                    if (listener != null && !listener.onToken(id)) {
                        cancel();
                        break;
                    }
                }
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
            }
            if (failure != null && !cancelled) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            return Arrays.copyOf(out, n);
        }

        /** Takes {@code token} sampled for this sequence; false once it has ended. */
        private boolean accept(long token) {
            if (config.isEnd(token)) {
                end();
                return false;
            }
            tokens.add(token);
            produced++;
            if (produced >= config.maxNewTokens()) {
                end();
                return false;
            }
            last = token;
            return true;
        }

        private void end() {
            if (!ended) {
                ended = true;
                if (prefill != null) {
                    prefill.close();
                    prefill = null;
                }
                tokens.add(END);
            }
        }

        private void fail(RuntimeException e) {
            if (!ended) {
                failure = e;
                end();
            }
        }

        private boolean gone() {
            return ended || cancelled;
        }
    }

    private void run() {
        List<Sequence> joining = new ArrayList<>(); // FIFO: the head's prompt is run first
        List<Sequence> batch = new ArrayList<>();
        try (KvCache cache = model.newCache(manager)) {
            while (true) {
                synchronized (lock) {
                    while (!closed && incoming.isEmpty() && joining.isEmpty() && batch.isEmpty()) {
                        lock.wait();
                    }
                    if (closed) {
                        break;
                    }
                    joining.addAll(incoming);
                    incoming.clear();
                }
                try {
                    step(cache, joining, batch);
                } catch (RuntimeException e) {
                    // an engine error fails the sequences it touched, not the loop
                    failAll(joining, batch, new IllegalStateException("Generation failed: " + e.getMessage(), e));
                    cache.retain(new int[0], 0);
                }
                running = batch.size();
                waiting = joining.size() + incomingCount();
            }
            synchronized (lock) {
                joining.addAll(incoming);
                incoming.clear();
            }
            failAll(joining, batch, new IllegalStateException("The server is shutting down: generation stopped"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int incomingCount() {
        synchronized (lock) {
            return incoming.size();
        }
    }

    private static void failAll(List<Sequence> joining, List<Sequence> batch, RuntimeException e) {
        joining.forEach(s -> s.fail(e));
        batch.forEach(s -> s.fail(e));
        joining.clear();
        batch.clear();
    }

    /** One turn of the loop: a prompt chunk of the first joining sequence, the boundary, a decode step. */
    private void step(KvCache cache, List<Sequence> joining, List<Sequence> batch) {
        joining.removeIf(s -> {
            if (s.cancelled) {
                s.end();
            }
            return s.gone();
        });
        Sequence joiner = null;
        if (!joining.isEmpty() && batch.size() < maxBatch) {
            Sequence head = joining.get(0);
            if (prefillChunk(head)) {
                joining.remove(0);
                joiner = head.gone() ? null : head;
            }
        }
        boundary(cache, batch, joiner);
        if (!batch.isEmpty()) {
            decode(cache, batch);
        }
    }

    /**
     * Runs the next chunk of {@code s}'s prompt into its own cache; at the prompt's end samples its
     * first token. True when the prompt is done.
     */
    private boolean prefillChunk(Sequence s) {
        if (s.prefill == null) {
            s.prefill = model.newCache(manager);
        }
        int end = Math.min(s.prompt.length, s.prefilled + prefillChunk);
        try (NDManager scope = manager.newSubManager()) {
            NDArray ids = scope.create(Arrays.copyOfRange(s.prompt, s.prefilled, end)).reshape(1, end - s.prefilled);
            ForwardState state = ForwardState.inference().withCache(s.prefill);
            s.prefilled = end;
            if (end < s.prompt.length) {
                model.hidden(ps, ids, state);
                return false;
            }
            float[] logits = model.lastLogits(ps, ids, state).get(0).toType(DataType.FLOAT32, false).toFloatArray();
            s.cached = s.prompt.length;
            s.accept(s.sampler.next(logits));
            return true;
        }
    }

    /** Ended and cancelled sequences leave, {@code joiner} (if any) joins. */
    private void boundary(KvCache cache, List<Sequence> batch, Sequence joiner) {
        int[] keep = new int[batch.size()];
        int kept = 0;
        int longest = 0;
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            if (s.cancelled) {
                s.end();
            }
            if (!s.gone()) {
                keep[kept++] = i;
                longest = Math.max(longest, s.cached);
            }
        }
        if (kept < batch.size()) {
            cache.retain(Arrays.copyOf(keep, kept), cache.length() - longest);
            List<Sequence> stay = new ArrayList<>(kept);
            for (int i = 0; i < kept; i++) {
                stay.add(batch.get(keep[i]));
            }
            batch.clear();
            batch.addAll(stay);
        }
        if (joiner != null) {
            cache.merge(joiner.prefill);
            joiner.prefill.close();
            joiner.prefill = null;
            batch.add(joiner);
        }
    }

    /** Every row advances by one token in one forward pass. */
    private void decode(KvCache cache, List<Sequence> batch) {
        int b = batch.size();
        int length = cache.length();
        int keys = length + 1;
        long[] feed = new long[b];
        long[] positions = new long[b];
        boolean[] real = new boolean[b * keys];
        boolean padded = false;
        for (int i = 0; i < b; i++) {
            Sequence s = batch.get(i);
            feed[i] = s.last;
            positions[i] = s.cached;
            int start = length - s.cached;
            padded |= start > 0;
            Arrays.fill(real, i * keys + start, (i + 1) * keys, true);
        }
        float[] flat;
        try (NDManager scope = manager.newSubManager()) {
            ForwardState state = ForwardState.inference().withCache(cache);
            if (padded) {
                // rows of different lengths: each row's own positions, the others' padding hidden
                state = state.withPositions(scope.create(positions).reshape(b, 1))
                        .withPaddingMask(ForwardState.paddingMask(scope.create(real).reshape(b, keys)));
            }
            NDArray ids = scope.create(feed).reshape(b, 1);
            flat = model.lastLogits(ps, ids, state).toType(DataType.FLOAT32, false).toFloatArray();
        }
        int v = flat.length / b;
        for (int i = 0; i < b; i++) {
            Sequence s = batch.get(i);
            s.cached++;
            s.accept(s.sampler.next(Arrays.copyOfRange(flat, i * v, (i + 1) * v)));
        }
        lastBatchSize = b;
        steps++;
    }
}
