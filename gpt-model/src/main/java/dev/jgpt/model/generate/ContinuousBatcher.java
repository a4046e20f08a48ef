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
 * <p>Sequences that arrive while no prompt is being run form a group (up to the rows the batch has
 * free): their prompts run together, left-padded to the longest, into the group's own cache,
 * {@code prefillChunk} positions per step, between decode steps, so a long prompt delays the
 * running streams by at most one chunk per step. When the prompts are done, each row's first
 * token is sampled and the group joins the batch at the next boundary ({@link KvCache#merge},
 * right-aligned on the timeline). A sequence that ends (an end id, its token limit, or {@link
 * Sequence#cancel}) leaves at the next boundary ({@link KvCache#retain}, which also drops the
 * padding every remaining row has in front). So the cache holds at most {@code maxBatch} rows of
 * at most {@code maxLength} positions (the model's context, or less): {@link #cacheBytesBound()}.
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
    private final int maxLength;
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
     * @param prefillChunk the most prompt positions run in one step while sequences join
     */
    public ContinuousBatcher(LanguageModel lm, int maxBatch, int prefillChunk) {
        this(lm, maxBatch, prefillChunk, lm.config().contextLength());
    }

    /**
     * As above, each sequence (prompt and new tokens) at most {@code maxLength} tokens, which
     * bounds each cache row below the model's context (Qwen3's 40,960 positions are 9.4 GB per
     * row of fp32 keys and values for the 0.6B model).
     */
    public ContinuousBatcher(LanguageModel lm, int maxBatch, int prefillChunk, int maxLength) {
        this(lm.block(), new ParameterStore(lm.manager(), false), lm.manager(), maxBatch, prefillChunk, maxLength);
    }

    /**
     * A batcher over an initialised model of any family, reading weights through {@code ps} and
     * creating its cache and temporaries under {@code manager}.
     */
    public ContinuousBatcher(CausalLm model, ParameterStore ps, NDManager manager, int maxBatch, int prefillChunk,
            int maxLength) {
        if (maxBatch < 1 || prefillChunk < 1) {
            throw new IllegalArgumentException("maxBatch and prefillChunk must be >= 1, got " + maxBatch + " and "
                    + prefillChunk);
        }
        int context = model.config().contextLength();
        if (maxLength < 1 || maxLength > context) {
            throw new IllegalArgumentException("maxLength must be in 1.." + context + " (the model's context), got "
                    + maxLength);
        }
        this.model = model;
        this.ps = ps;
        this.manager = manager;
        this.maxBatch = maxBatch;
        this.prefillChunk = prefillChunk;
        this.maxLength = maxLength;
        this.loop = new Thread(this::run, "jgpt-decode");
        loop.setDaemon(true);
        loop.start();
    }

    /** The most sequences in one forward pass. */
    public int maxBatch() {
        return maxBatch;
    }

    /** The most tokens (prompt and new ones) a sequence may have. */
    public int maxLength() {
        return maxLength;
    }

    /**
     * The most bytes the shared cache's keys and values hold: {@code maxBatch} rows of {@code
     * maxLength} positions (a buffer is allocated with room to double, up to that; while a group
     * joins, its rows are copied in beside the batch's).
     */
    public long cacheBytesBound() {
        return cacheBytesPerPosition(model.config(), model.dataType()) * maxLength * maxBatch;
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
     *     vocabulary, or with {@code maxNewTokens} is longer than {@code maxLength} (such
     *     prompts need {@link Generator}, which slides a window over the context)
     */
    public Sequence submit(long[] prompt, SamplingConfig config) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give at least one token");
        }
        Tokenizer.requireInVocabulary(prompt, model.config().vocabSize());
        if (config.maxNewTokens() > maxLength - prompt.length) { // (no int overflow for a huge maxNewTokens)
            throw new IllegalArgumentException("The prompt (" + prompt.length + " tokens) and maxNewTokens ("
                    + config.maxNewTokens() + ") together exceed the " + maxLength + " tokens a sequence may have");
        }
        Sequence s = new Sequence(prompt.clone(), config);
        if (config.maxNewTokens() == 0) {
            s.end(); // nothing to generate, as Generator returns nothing
            return s;
        }
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
        // the model may be closed right after this returns: wait for the step in progress to end,
        // even if interrupted (and keep the interrupt)
        boolean interrupted = false;
        while (loop.isAlive()) {
            try {
                loop.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
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
            boolean whole = false;
            try {
                while (true) {
                    long id = tokens.take();
                    if (id == END) {
                        whole = true;
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
                Thread.currentThread().interrupt();
            } finally {
                if (!whole) {
                    cancel(); // the caller stopped (or its listener threw): free the row
                }
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

    /** Sequences whose prompts run together before they join the batch, and their cache. */
    private static final class Group implements AutoCloseable {
        final List<Sequence> rows;
        final KvCache cache;
        /** The longest prompt: the group's timeline. */
        final int length;
        /** Positions of the timeline run so far. */
        int done;

        Group(List<Sequence> rows, KvCache cache) {
            this.rows = rows;
            this.cache = cache;
            this.length = rows.stream().mapToInt(r -> r.prompt.length).max().orElseThrow();
        }

        /** Where row {@code r}'s prompt starts on the timeline. */
        int start(int r) {
            return length - rows.get(r).prompt.length;
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    private void run() {
        List<Sequence> queue = new ArrayList<>(); // FIFO
        List<Sequence> batch = new ArrayList<>();
        Group[] group = {null};
        RuntimeException ending = new IllegalStateException("The server is shutting down: generation stopped");
        try (KvCache cache = newCache()) {
            while (true) {
                synchronized (lock) {
                    while (!closed && incoming.isEmpty() && queue.isEmpty() && group[0] == null && batch.isEmpty()) {
                        lock.wait();
                    }
                    if (closed) {
                        break;
                    }
                    queue.addAll(incoming);
                    incoming.clear();
                }
                try {
                    step(cache, queue, group, batch);
                } catch (RuntimeException e) {
                    // an engine error fails every sequence in the loop (the cache may be half
                    // written), not the loop: later requests are served
                    failAll(queue, group, batch, new IllegalStateException("Generation failed: " + e.getMessage(), e));
                    cache.retain(new int[0], 0);
                }
                running = batch.size();
                waiting = queue.size() + (group[0] == null ? 0 : group[0].rows.size()) + incomingCount();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // an Error (out of memory, ...): nothing can be served any more; say so to every caller
            ending = new IllegalStateException("The decode loop stopped: " + e, e);
            throw e;
        } finally {
            synchronized (lock) {
                closed = true; // later submits are refused, never left waiting
                queue.addAll(incoming);
                incoming.clear();
            }
            failAll(queue, group, batch, ending);
        }
    }

    /** A cache for the batch or a joining group: rows of at most {@code maxLength} positions. */
    private KvCache newCache() {
        return new KvCache(manager, model.layers().size(), maxLength);
    }

    private int incomingCount() {
        synchronized (lock) {
            return incoming.size();
        }
    }

    private static void failAll(List<Sequence> queue, Group[] group, List<Sequence> batch, RuntimeException e) {
        queue.forEach(s -> s.fail(e));
        batch.forEach(s -> s.fail(e));
        queue.clear();
        batch.clear();
        if (group[0] != null) {
            group[0].rows.forEach(s -> s.fail(e));
            group[0].close();
            group[0] = null;
        }
    }

    /** One turn of the loop: a prompt chunk of the joining group, the boundary, a decode step. */
    private void step(KvCache cache, List<Sequence> queue, Group[] group, List<Sequence> batch) {
        queue.removeIf(s -> {
            if (s.cancelled) {
                s.end();
            }
            return s.gone();
        });
        if (group[0] == null && !queue.isEmpty() && batch.size() < maxBatch) {
            int n = Math.min(queue.size(), maxBatch - batch.size());
            List<Sequence> rows = new ArrayList<>(queue.subList(0, n));
            queue.subList(0, n).clear();
            group[0] = new Group(rows, newCache());
        }
        if (group[0] != null && prefillChunk(group[0])) {
            Group joined = group[0];
            boundary(cache, batch, joined); // on failure still group[0]: failAll fails its rows
            group[0] = null;
            joined.close();
        } else {
            boundary(cache, batch, null);
        }
        if (!batch.isEmpty()) {
            decode(cache, batch);
        }
    }

    /**
     * Runs the next chunk of the group's prompts into its cache; at the prompts' end samples each
     * row's first token. True when the prompts are done.
     */
    private boolean prefillChunk(Group g) {
        int b = g.rows.size();
        int end = Math.min(g.length, g.done + prefillChunk);
        int t = end - g.done;
        long[] ids = new long[b * t];
        long[] positions = new long[b * t];
        boolean[] real = new boolean[b * end];
        for (int r = 0; r < b; r++) {
            long[] prompt = g.rows.get(r).prompt;
            int start = g.start(r);
            for (int j = Math.max(g.done, start); j < end; j++) {
                ids[r * t + j - g.done] = prompt[j - start];
                positions[r * t + j - g.done] = j - start;
            }
            Arrays.fill(real, r * end + Math.min(start, end), (r + 1) * end, true);
        }
        // prompts of different lengths run left-padded: each row's own positions, padding hidden
        float[][] logits = RowBatch.lastLogits(model, ps, manager, g.cache, ids, positions, real, b, end == g.length);
        g.done = end;
        if (logits == null) {
            return false;
        }
        for (int r = 0; r < b; r++) {
            Sequence s = g.rows.get(r);
            s.cached = s.prompt.length;
            s.accept(s.sampler.next(logits[r]));
        }
        return true;
    }

    /** Ended and cancelled sequences leave; the rows of {@code joined} (if any) that go on join. */
    private void boundary(KvCache cache, List<Sequence> batch, Group joined) {
        List<Sequence> stay = survivors(cache, batch);
        batch.clear();
        batch.addAll(stay);
        if (joined != null) {
            List<Sequence> joining = survivors(joined.cache, joined.rows);
            if (!joining.isEmpty()) {
                cache.merge(joined.cache);
                batch.addAll(joining);
            }
        }
    }

    /** The rows of {@code rows} that go on, {@code cache} cut to them (and to the longest one's positions). */
    private static List<Sequence> survivors(KvCache cache, List<Sequence> rows) {
        int[] keep = new int[rows.size()];
        int kept = 0;
        int longest = 0;
        List<Sequence> stay = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Sequence s = rows.get(i);
            if (s.cancelled) {
                s.end();
            }
            if (!s.gone()) {
                keep[kept++] = i;
                longest = Math.max(longest, s.cached);
                stay.add(s);
            }
        }
        if (kept < rows.size()) {
            cache.retain(Arrays.copyOf(keep, kept), cache.length() - longest);
        }
        return stay;
    }
    /** Every row advances by one token in one forward pass. */
    private void decode(KvCache cache, List<Sequence> batch) {
        int b = batch.size();
        int length = cache.length();
        int keys = length + 1;
        long[] feed = new long[b];
        long[] positions = new long[b];
        boolean[] real = new boolean[b * keys];
        for (int i = 0; i < b; i++) {
            Sequence s = batch.get(i);
            feed[i] = s.last;
            positions[i] = s.cached;
            // rows of different lengths: each row's own positions, the others' front padding hidden
            Arrays.fill(real, i * keys + length - s.cached, (i + 1) * keys, true);
        }
        float[][] logits = RowBatch.lastLogits(model, ps, manager, cache, feed, positions, real, b, true);
        for (int i = 0; i < b; i++) {
            Sequence s = batch.get(i);
            s.cached++;
            s.accept(s.sampler.next(logits[i]));
        }
        lastBatchSize = b;
        steps++;
    }
}
