package dev.jgpt.model.gpt2;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import dev.jgpt.model.nn.Linear;

/** How a fresh model's weights are drawn. */
public enum InitStyle {

    /**
     * GPT-2's: weights and embeddings normal with std 0.02, residual projections scaled by
     * {@code 1/sqrt(2 * layers)}, biases 0, norms 1/0. The default.
     */
    GPT2,

    /**
     * The book's {@code GPTModel} as PyTorch initialises it by default: embeddings N(0, 1),
     * linear weights and biases U(-1/sqrt(in), 1/sqrt(in)), norms 1/0.
     */
    BOOK;

    /** Sets the initializers of {@code model}'s parameters (before {@code initialize}). */
    public void apply(GptModel model) {
        if (this == GPT2) {
            return; // the blocks' own initializers
        }
        model.wte().weight().setInitializer(new NormalInitializer(1f));
        model.wpe().weight().setInitializer(new NormalInitializer(1f));
        for (TransformerBlock b : model.blocks()) {
            bookLinear(b.attn().cAttn());
            bookLinear(b.attn().cProj());
            bookLinear(b.mlp().cFc());
            bookLinear(b.mlp().cProj());
        }
        if (model.lmHead() != null) {
            bookLinear(model.lmHead());
        }
    }

    private static void bookLinear(Block linear) {
        Linear l = (Linear) linear;
        float bound = (float) (1.0 / Math.sqrt(l.weight().getShape().get(1)));
        l.weight().setInitializer(new UniformInitializer(bound));
        Parameter bias = l.bias();
        if (bias != null) {
            bias.setInitializer(new UniformInitializer(bound));
        }
    }
}
