package dev.jgpt.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdamW (decoupled weight decay, as {@code torch.optim.AdamW}) whose state can be saved and
 * restored, so a killed run resumes exactly: DJL's own {@code AdamW} keeps its moments private.
 * The update itself is the engine's fused Adam kernel, as in DJL's optimizer.
 *
 * <p>State: the first and second moment of every parameter, and the update count (restored
 * through {@link Builder#optBeginNumUpdate}).
 */
public final class ResumableAdamW extends Optimizer {

    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final Map<String, NDArray> means = new ConcurrentHashMap<>();
    private final Map<String, NDArray> variances = new ConcurrentHashMap<>();
    private volatile int lastUpdate;

    private ResumableAdamW(Builder b) {
        super(b);
        learningRate = b.learningRate;
        beta1 = b.beta1;
        beta2 = b.beta2;
        epsilon = b.epsilon;
        lastUpdate = b.begin;
    }

    /** A builder: lr 4e-4 and weight decay 0.1 by default (the book's pretraining). */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of the last update done (0 before the first). */
    public int updates() {
        return lastUpdate;
    }

    /** The learning rate the next update will use. */
    public float currentLearningRate() {
        return learningRate.getNewValue("", lastUpdate + 1);
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = updateCount(parameterId);
        lastUpdate = t;
        float lr = learningRate.getNewValue(parameterId, t);
        float weightDecay = getWeightDecay();
        if (!Float.isFinite(lr) || !Float.isFinite(weightDecay)) {
            throw new IllegalStateException("Learning rate or weight decay is not finite: " + lr);
        }
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lrBiasCorrected = (float) (lr * Math.sqrt(coef2) / coef1);
        NDArray mean = means.computeIfAbsent(parameterId, k -> detached(weight.zerosLike()));
        NDArray variance = variances.computeIfAbsent(parameterId, k -> detached(weight.zerosLike()));
        weight.getNDArrayInternal().adamUpdate(
                new NDList(weight, grad, mean, variance),
                new NDList(weight),
                lr,
                lrBiasCorrected,
                weightDecay,
                rescaleGrad,
                clipGrad,
                beta1,
                beta2,
                epsilon,
                true,
                true);
    }

    private static NDArray detached(NDArray a) {
        a.detach(); // lives as long as the optimizer, not the step's manager
        return a;
    }

    /**
     * Writes the moments of {@code parameters} (name to parameter, e.g. {@code
     * CausalLm.namedParameters()}) in their order. Parameters never updated are written as zeros.
     */
    public void save(Map<String, Parameter> parameters, DataOutputStream out) throws IOException {
        out.writeInt(lastUpdate);
        out.writeInt(parameters.size());
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            NDArray weight = e.getValue().getArray();
            out.writeUTF(e.getKey());
            write(out, means.get(e.getValue().getId()), weight);
            write(out, variances.get(e.getValue().getId()), weight);
        }
    }

    private static void write(DataOutputStream out, NDArray state, NDArray like) throws IOException {
        byte[] bytes;
        if (state != null) {
            bytes = state.encode();
        } else {
            try (NDArray zeros = like.zerosLike()) {
                bytes = zeros.encode();
            }
        }
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /**
     * Reads moments written by {@link #save} into this optimizer for {@code parameters}, which
     * must have the same names and shapes. Build this optimizer with {@code
     * optBeginNumUpdate(readUpdates(...))} so the update count continues.
     *
     * @return the update count that was saved
     * @throws IOException if the stream does not match the parameters
     */
    public int load(Map<String, Parameter> parameters, NDManager manager, DataInputStream in)
            throws IOException {
        int saved = in.readInt();
        int count = in.readInt();
        if (count != parameters.size()) {
            throw new IOException("Optimizer state holds " + count + " parameters, the model "
                    + parameters.size());
        }
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            String name = in.readUTF();
            if (!name.equals(e.getKey())) {
                throw new IOException("Optimizer state has '" + name + "' where the model has '"
                        + e.getKey() + "'");
            }
            NDArray m = read(in, manager);
            NDArray v = read(in, manager);
            if (!m.getShape().equals(e.getValue().getShape())) {
                throw new IOException("Optimizer state for '" + name + "' has shape " + m.getShape()
                        + ", the model " + e.getValue().getShape());
            }
            put(means, e.getValue().getId(), m);
            put(variances, e.getValue().getId(), v);
        }
        return saved;
    }

    private static void put(Map<String, NDArray> map, String id, NDArray value) {
        NDArray old = map.put(id, detached(value));
        if (old != null) {
            old.close();
        }
    }

    private static NDArray read(DataInputStream in, NDManager manager) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > (1 << 30)) {
            throw new IOException("Corrupt optimizer state: an array of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return manager.decode(bytes);
    }

    /** Builds a {@link ResumableAdamW}. */
    public static final class Builder extends OptimizerBuilder<Builder> {

        private ParameterTracker learningRate = Tracker.fixed(4e-4f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private int begin;

        Builder() {
            optWeightDecays(0.1f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The learning rate, fixed or scheduled. */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRate = tracker;
            return this;
        }

        /** The moment decay rates (default 0.9, 0.999). */
        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** The denominator's epsilon (default 1e-8). */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        @Override
        public Builder optBeginNumUpdate(int beginNumUpdate) {
            this.begin = beginNumUpdate;
            return super.optBeginNumUpdate(beginNumUpdate);
        }

        /** Builds the optimizer. */
        public ResumableAdamW build() {
            return new ResumableAdamW(this);
        }
    }
}
