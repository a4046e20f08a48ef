package dev.jgpt.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Summing gradients over several backward passes inside one {@link GradientCollector}, on any
 * engine. PyTorch adds each backward's gradients to what is there; MXNet overwrites them. Which
 * one an engine does is probed once (a capability, not an engine name); where it overwrites,
 * the earlier micro-batches' gradients are kept aside and added back after the last backward.
 */
final class GradientAccumulation implements AutoCloseable {

    private static final Map<String, Boolean> ACCUMULATES = new ConcurrentHashMap<>();

    private final PairList<String, Parameter> parameters;
    private final NDManager scope;
    private final boolean manual;
    private List<NDArray> sums;

    /**
     * @param parameters the parameters being trained
     * @param manager the step's manager; the kept gradients live on a child of it
     */
    GradientAccumulation(PairList<String, Parameter> parameters, NDManager manager) {
        this.parameters = parameters;
        this.scope = manager.newSubManager();
        this.manual = !accumulates(manager.getEngine());
    }

    /** Whether {@code engine} adds a second backward's gradients to the first's. */
    static boolean accumulates(Engine engine) {
        return ACCUMULATES.computeIfAbsent(engine.getEngineName(), k -> probe(engine));
    }

    private static boolean probe(Engine engine) {
        try (NDManager m = engine.newBaseManager()) {
            NDArray w = m.create(new float[] {1f});
            w.setRequiresGradient(true);
            try (GradientCollector gc = engine.newGradientCollector()) {
                gc.backward(w.mul(m.create(new float[] {2f})).sum());
                gc.backward(w.mul(m.create(new float[] {2f})).sum());
            }
            return w.getGradient().getFloat() > 3f; // 4 when added, 2 when overwritten
        }
    }

    /** Call after each backward; {@code last} for the final one of the step. */
    void afterBackward(boolean last) {
        if (!manual) {
            return;
        }
        List<NDArray> grads = gradients();
        if (!last) {
            if (sums == null) {
                sums = new ArrayList<>();
                for (NDArray g : grads) {
                    NDArray copy = g.duplicate();
                    copy.attach(scope);
                    sums.add(copy);
                }
            } else {
                for (int i = 0; i < grads.size(); i++) {
                    sums.get(i).addi(grads.get(i));
                }
            }
        } else if (sums != null) {
            for (int i = 0; i < grads.size(); i++) {
                grads.get(i).addi(sums.get(i));
            }
        }
        grads.forEach(NDArray::close);
    }

    private List<NDArray> gradients() {
        List<NDArray> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            NDArray grad = GradientClipping.gradient(p.getValue());
            if (grad != null) {
                out.add(grad);
            }
        }
        return out;
    }

    @Override
    public void close() {
        scope.close();
    }
}
