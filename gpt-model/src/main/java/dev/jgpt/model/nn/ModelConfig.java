package dev.jgpt.model.nn;

/**
 * The sizes every family's config has, which the generator, the trainers and the server need
 * without knowing the family. Each family's config record implements it (GPT-2: {@code
 * gpt2.GptConfig}).
 */
public interface ModelConfig {

    /** The HuggingFace {@code model_type}: {@code gpt2}, and later {@code qwen3}, {@code llama}. */
    String modelType();

    /** Number of token ids. */
    int vocabSize();

    /** The most positions a sequence can have. */
    int contextLength();

    /** The width of the hidden states, {@code C}. */
    int hiddenSize();

    /** Decoder blocks. */
    int numLayers();

    /** Attention heads (of the queries). */
    int numHeads();

    /** Key/value heads: {@link #numHeads} for multi-head attention, fewer for grouped-query. */
    int numKvHeads();

    /** Width of one head. */
    int headDim();

    /** Whether the output head reuses the token embedding. */
    boolean tieEmbeddings();

    /** A copy with another context length (a shorter one for training on a small machine). */
    ModelConfig withContextLength(int length);

    /** Parameters counted from the shapes, without allocating any. */
    long parameterCount();

    /**
     * This config as a jgpt checkpoint's {@code config.json} (with {@code "format": "jgpt"} and
     * the {@code model_type}), which the family's {@link ModelFamily#parseConfig} reads back.
     */
    String toJson();
}
