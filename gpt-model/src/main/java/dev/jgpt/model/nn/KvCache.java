package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of the tokens already seen, per layer, so that each generation step only runs
 * the new token through the model.
 *
 * <p>Each layer's buffer {@code (B, H, allocated, D)} lives on the cache's own manager and is
 * filled in place; attention reads a view of the first {@code length} positions. A buffer starts
 * at the positions first written (at least {@value #MIN_POSITIONS}) and doubles when full, up to
 * {@code capacity}: so a copy happens only {@code log2} times in a generation, never every step
 * (as concatenation would), and a short chat with a model of a long context (Llama 3.2's 131,072
 * positions would be 8.6 GB of fp32 keys and values for the 1B model) holds only what it uses.
 * Close the cache to free the buffers.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    /** The fewest positions a layer's buffer is allocated with. */
    static final int MIN_POSITIONS = 64;

    private final int capacity;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    /**
     * An empty cache.
     *
     * @param parent the buffers live on a sub-manager of this one
     * @param layers number of transformer blocks
     * @param capacity the most positions it can hold (the model's context length)
     */
    public KvCache(NDManager parent, int layers, int capacity) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of positions cached. */
    public int length() {
        return length;
    }

    /** The most positions the cache holds. */
    public int capacity() {
        return capacity;
    }

    /** Layer {@code layer}'s view of the cache: where its attention reads and writes. */
    public Layer layer(int layer) {
        return new Layer(layer);
    }

    /** One layer's keys and values. */
    public final class Layer {
        private final int index;

        private Layer(int index) {
            this.index = index;
        }

        /**
         * Writes the new keys and values after the cached ones and returns views of everything
         * cached so far, attached to {@code k}'s manager.
         *
         * @param k new keys {@code (B, H, T_new, D)}
         * @param v new values {@code (B, H, T_new, D)}
         * @return keys and values {@code (B, H, length + T_new, D)}
         */
        public NDArray[] append(NDArray k, NDArray v) {
            Shape s = k.getShape();
            int end = length + (int) s.get(2);
            if (end > capacity) {
                throw new IllegalStateException(
                        "KV cache holds " + capacity + " positions; " + end + " requested");
            }
            if (keys[index] != null && keys[index].getShape().get(0) != s.get(0)) {
                clearLayer(index); // another batch size: the cached rows mean nothing to it
            }
            if (keys[index] == null || keys[index].getShape().get(2) < end) {
                grow(index, k, v, end);
            }
            NDIndex slot = new NDIndex(":, :, {}:{}, :", length, end);
            // stopGradient: the cache must not keep each step's autograd graph alive
            keys[index].set(slot, k.stopGradient());
            values[index].set(slot, v.stopGradient());
            NDIndex filled = new NDIndex(":, :, :{}, :", end);
            NDArray kView = keys[index].get(filled);
            NDArray vView = values[index].get(filled);
            kView.attach(k.getManager());
            vView.attach(k.getManager());
            return new NDArray[] {kView, vView};
        }
    }

    /** Reallocates layer {@code index}'s buffers to hold at least {@code end} positions, keeping the cached ones. */
    private void grow(int index, NDArray k, NDArray v, int end) {
        Shape s = k.getShape();
        long old = keys[index] == null ? 0 : keys[index].getShape().get(2);
        long positions = Math.min(capacity, Math.max(Math.max(end, 2 * old), MIN_POSITIONS));
        Shape shape = new Shape(s.get(0), s.get(1), positions, s.get(3));
        NDArray newKeys = manager.zeros(shape, k.getDataType(), k.getDevice());
        NDArray newValues = manager.zeros(shape, v.getDataType(), v.getDevice());
        if (keys[index] != null && length > 0) {
            NDIndex cached = new NDIndex(":, :, :{}, :", length);
            try (NDArray ck = keys[index].get(cached); NDArray cv = values[index].get(cached)) {
                newKeys.set(cached, ck);
                newValues.set(cached, cv);
            }
        }
        clearLayer(index);
        keys[index] = newKeys;
        values[index] = newValues;
    }

    /** Rows {@code B} the buffers hold (0 before anything was appended or merged). */
    public int rows() {
        return keys[0] == null ? 0 : (int) keys[0].getShape().get(0);
    }

    /**
     * Puts the rows of {@code other} (a cache of the same model) after this cache's rows, on one
     * timeline of {@code max(length, other.length)} positions: the side with fewer positions is
     * right-aligned, the positions before it zeros that its rows' padding mask must hide. This is
     * how a sequence whose prompt was run alone joins a running batch; {@code other} is left as it
     * was.
     *
     * @return the positions put before this cache's old rows (0 unless {@code other} is longer)
     */
    public int merge(KvCache other) {
        if (other.keys.length != keys.length) {
            throw new IllegalArgumentException("Cannot merge a cache of " + other.keys.length + " layers into one of "
                    + keys.length);
        }
        if (other.rows() == 0) {
            return 0;
        }
        int mine = rows();
        int joined = Math.max(length, other.length);
        int shift = mine == 0 ? 0 : joined - length;
        for (int i = 0; i < keys.length; i++) {
            NDArray k = other.keys[i];
            Shape s = k.getShape();
            Shape shape = new Shape(mine + s.get(0), s.get(1), allocation(joined), s.get(3));
            NDArray newKeys = manager.zeros(shape, k.getDataType(), k.getDevice());
            NDArray newValues = manager.zeros(shape, k.getDataType(), k.getDevice());
            if (mine > 0) {
                place(newKeys, newValues, 0, keys[i], values[i], 0, mine, 0, length, joined - length);
            }
            place(newKeys, newValues, mine, other.keys[i], other.values[i], 0, (int) s.get(0), 0, other.length,
                    joined - other.length);
            clearLayer(i);
            keys[i] = newKeys;
            values[i] = newValues;
        }
        length = joined;
        return shift;
    }

    /**
     * Keeps only rows {@code rows} (in that order) and the positions from {@code from} on: how
     * finished sequences leave a batch and free their rows, and how the padding every remaining
     * row has in front is dropped. Afterwards {@link #length()} is {@code length - from}; no row
     * left means an empty cache.
     */
    public void retain(int[] rows, int from) {
        if (from < 0 || from > length) {
            throw new IllegalArgumentException("Cannot drop " + from + " of " + length + " cached positions");
        }
        if (rows.length == 0) {
            for (int i = 0; i < keys.length; i++) {
                clearLayer(i);
            }
            length = 0;
            return;
        }
        int kept = length - from;
        for (int i = 0; i < keys.length; i++) {
            Shape s = keys[i].getShape();
            Shape shape = new Shape(rows.length, s.get(1), allocation(kept), s.get(3));
            NDArray newKeys = manager.zeros(shape, keys[i].getDataType(), keys[i].getDevice());
            NDArray newValues = manager.zeros(shape, keys[i].getDataType(), keys[i].getDevice());
            // runs of consecutive rows are copied as one slice
            for (int r = 0; r < rows.length; ) {
                int run = 1;
                while (r + run < rows.length && rows[r + run] == rows[r] + run) {
                    run++;
                }
                place(newKeys, newValues, r, keys[i], values[i], rows[r], run, from, kept, 0);
                r += run;
            }
            clearLayer(i);
            keys[i] = newKeys;
            values[i] = newValues;
        }
        length = kept;
    }

    /** Positions a rebuilt buffer gets for {@code used}: room to double, as {@link #grow} gives. */
    private long allocation(int used) {
        return Math.min(capacity, Math.max(MIN_POSITIONS, 2L * used));
    }

    /**
     * Copies rows {@code fromRow ..+rows} and positions {@code fromPos ..+positions} of {@code
     * k}/{@code v} to rows {@code toRow ..} and positions {@code toPos ..} of the targets.
     */
    private static void place(NDArray toK, NDArray toV, int toRow, NDArray k, NDArray v, int fromRow, int rows,
            int fromPos, int positions, int toPos) {
        if (positions == 0) {
            return;
        }
        NDIndex source = new NDIndex("{}:{}, :, {}:{}, :", fromRow, fromRow + rows, fromPos, fromPos + positions);
        NDIndex target = new NDIndex("{}:{}, :, {}:{}, :", toRow, toRow + rows, toPos, toPos + positions);
        try (NDArray ks = k.get(source); NDArray vs = v.get(source)) {
            toK.set(target, ks);
            toV.set(target, vs);
        }
    }

    /** Positions allocated for layer {@code layer} so far (0 before its first append). */
    long allocated(int layer) {
        return keys[layer] == null ? 0 : keys[layer].getShape().get(2);
    }

    /** Called (through {@link ForwardPass#finish}) after every layer has appended {@code tokens} positions. */
    void advance(int tokens) {
        length += tokens;
    }

    /** Forgets everything cached; the buffers are kept and overwritten. */
    public void clear() {
        length = 0;
    }

    private void clearLayer(int layer) {
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
            keys[layer] = null;
            values[layer] = null;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            clearLayer(i);
        }
        length = 0;
        manager.close();
    }
}
