package dev.jgpt.model.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;

/** How a fresh model's weights are drawn. */
public enum InitStyle {

    /**
     * GPT-2's, which the HuggingFace families keep ({@code initializer_range} 0.02): weights and
     * embeddings normal with std 0.02, biases 0, norms 1/0, each family's own details (GPT-2
     * scales its residual projections by {@code 1/sqrt(2 * layers)}). What the blocks do by
     * themselves; the default.
     */
    GPT2,

    /**
     * The book's {@code GPTModel} as PyTorch initialises it by default: embeddings N(0, 1),
     * linear weights and biases U(-1/sqrt(in), 1/sqrt(in)), norms 1/0.
     */
    BOOK;

    /**
     * Sets the initializers of every {@link Embedding} and {@link Linear} inside {@code model}
     * (before {@code initialize}).
     */
    public void apply(Block model) {
        if (this == GPT2) {
            return; // the blocks' own initializers
        }
        visit(model);
    }

    private static void visit(Block block) {
        if (block instanceof Embedding e) {
            e.weight().setInitializer(new NormalInitializer(1f));
        } else if (block instanceof Linear l) {
            float bound = (float) (1.0 / Math.sqrt(l.weight().getShape().get(1)));
            l.weight().setInitializer(new UniformInitializer(bound));
            Parameter bias = l.bias();
            if (bias != null) {
                bias.setInitializer(new UniformInitializer(bound));
            }
        }
        for (Block child : block.getChildren().values()) {
            visit(child);
        }
    }
}
