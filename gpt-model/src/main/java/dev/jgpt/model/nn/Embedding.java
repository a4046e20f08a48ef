package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;

/**
 * A lookup table: row {@code i} of {@code weight} is the vector for id {@code i}.
 *
 * <p>Shapes: input ids {@code (B, T)} (integer), output {@code (B, T, C)}; {@code weight} is
 * {@code (num, C)}.
 */
public final class Embedding extends UnaryBlock {

    private final int num;
    private final int dim;
    private final Parameter weight;

    /**
     * @param num number of rows (vocabulary size or context length)
     * @param dim vector width {@code C}
     */
    public Embedding(int num, int dim) {
        this.num = num;
        this.dim = dim;
        this.weight =
                addParameter(
                        Parameter.builder()
                                .setName("weight")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(num, dim))
                                .optInitializer(new NormalInitializer(0.02f))
                                .build());
    }

    /** The {@code (num, C)} table. */
    public Parameter weight() {
        return weight;
    }

    /** Looks up {@code ids} of shape {@code (B, T)}, giving {@code (B, T, C)}. */
    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(weight, ids.getDevice(), training);
        return ai.djl.nn.core.Embedding.embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
    }


    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }

    @Override
    public String toString() {
        return "Embedding(" + num + ", " + dim + ")";
    }
}
