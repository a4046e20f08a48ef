package dev.jgpt.examples.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models loaded in this JVM, one per key, shared by every task that runs here: Spark runs an
 * executor's tasks as threads of one JVM, so a model loaded by the first task is reused by the
 * rest (and by later stages and jobs) instead of being loaded once per task or per row. They
 * close when the JVM ends (a shutdown hook: an executor exits when its application ends or it is
 * killed by the cluster manager), or on {@link #closeAll()}.
 */
public final class ExecutorModels {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

    private static final Map<String, AutoCloseable> MODELS = new LinkedHashMap<>();
    private static final AtomicLong LOADS = new AtomicLong();
    private static boolean hooked;

    private ExecutorModels() {}

    /**
     * The model under {@code key}, loaded by {@code loader} the first time it is asked for in this
     * JVM (one load at a time: a second task asking meanwhile waits for the first's model).
     */
    public static synchronized <T extends AutoCloseable> T get(String key, Class<T> type, Supplier<T> loader) {
        AutoCloseable m = MODELS.get(key);
        if (m == null) {
            long start = System.nanoTime();
            m = loader.get();
            MODELS.put(key, m);
            LOADS.incrementAndGet();
            LOG.info("loaded {} in {} ms (model {} of this JVM, pid {})", key, (System.nanoTime() - start) / 1_000_000,
                    MODELS.size(), ProcessHandle.current().pid());
            if (!hooked) {
                Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "jgpt-close-models"));
                hooked = true;
            }
        }
        return type.cast(m);
    }

    /**
     * Drops and closes {@code model} if it is still the one under {@code key} (a model whose
     * engine or decode loop failed), so the next task loads a fresh one instead of failing on it.
     */
    public static synchronized void evict(String key, AutoCloseable model) {
        if (MODELS.get(key) == model) {
            MODELS.remove(key);
            try {
                model.close();
            } catch (Exception e) {
                LOG.warn("closing a failed model failed: {}", e.toString());
            }
        }
    }

    /** How many models this JVM has loaded since it started (a count, not those held now). */
    public static long loads() {
        return LOADS.get();
    }

    /** How many models this JVM holds now. */
    public static synchronized int held() {
        return MODELS.size();
    }

    /** Closes every model this JVM holds, newest first; the next {@link #get} loads again. */
    public static synchronized void closeAll() {
        List<AutoCloseable> models = new ArrayList<>(MODELS.values());
        MODELS.clear();
        for (int i = models.size() - 1; i >= 0; i--) {
            try {
                models.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing a model failed: {}", e.toString());
            }
        }
    }
}
