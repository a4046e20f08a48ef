package dev.jgpt.model.generate;

import ai.djl.engine.Engine;
import ai.djl.repository.zoo.Criteria;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.tokenizer.Tokenizers;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * DJL {@link Criteria} for text generation from a model folder, the way JVM teams already load
 * and serve models:
 *
 * <pre>{@code
 * try (ZooModel<String, String> model = GenerationCriteria.textGeneration(dir, sampling, tok).loadModel();
 *         Predictor<String, String> predictor = model.newPredictor()) {
 *     String continuation = predictor.predict("Every effort moves you");
 * }
 * }</pre>
 */
public final class GenerationCriteria {

    private GenerationCriteria() {}

    /**
     * {@link #textGeneration(Path, SamplingConfig, Tokenizer)} with the folder's own tokenizer
     * ({@link Tokenizers#forModel}, closed with the model), stopping at the tokenizer's end ids.
     */
    public static Criteria<String, String> textGeneration(Path dir, SamplingConfig sampling) {
        Tokenizer tokenizer = Tokenizers.forModel(dir);
        try {
            return criteria(dir, sampling.withEndIdsOf(tokenizer), new TextGenerationTranslator(tokenizer, true));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /**
     * Criteria that load {@code dir} (a HuggingFace folder of a known family, or a jgpt
     * checkpoint) on the default engine and continue a prompt with {@code sampling}.
     */
    public static Criteria<String, String> textGeneration(
            Path dir, SamplingConfig sampling, Tokenizer tokenizer) {
        return criteria(dir, sampling, new TextGenerationTranslator(tokenizer));
    }

    private static Criteria<String, String> criteria(Path dir, SamplingConfig sampling,
            TextGenerationTranslator translator) {
        CausalLm gpt = Checkpoints.newModel(dir);
        return Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(dir)
                .optEngine(Engine.getDefaultEngineName())
                .optBlock(new GenerationBlock(gpt, sampling))
                // the translator loads the weights itself: DJL's .params reader does not know
                // safetensors and does not check shapes
                .optOption("hasParameter", "false")
                .optTranslator(translator)
                .build();
    }
}
