package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the tokens already seen, per layer, so that each generation step only runs
 * the new token through the model. Arrays are {@code (B, H, T_past, D)} and live on the cache's
 * own manager; close the cache to free them.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    /** An empty cache for {@code layers} layers whose arrays live under {@code parent}. */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Number of positions cached. */
    public int length() {
        return length;
    }

    /**
     * Appends the new keys and values of {@code layer} and returns all of them.
     *
     * @param k new keys {@code (B, H, T_new, D)}
     * @param v new values {@code (B, H, T_new, D)}
     * @return keys and values {@code (B, H, T_past + T_new, D)}, owned by the cache
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray allK = keys[layer] == null ? k.duplicate() : keys[layer].concat(k, 2);
        NDArray allV = values[layer] == null ? v.duplicate() : values[layer].concat(v, 2);
        allK.attach(manager);
        allV.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = allK;
        values[layer] = allV;
        return new NDArray[] {allK, allV};
    }

    /** Called by the model after every layer has appended {@code tokens} positions. */
    void advance(int tokens) {
        length += tokens;
    }

    /** Drops everything cached; the cache can be filled again. */
    public void clear() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = null;
                values[i] = null;
            }
        }
        length = 0;
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
