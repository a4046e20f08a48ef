package dev.jgpt.model.generate;

import ai.djl.engine.Engine;
import ai.djl.repository.zoo.Criteria;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.gpt2.GptModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * DJL {@link Criteria} for text generation from a model folder, the way JVM teams already load
 * and serve models:
 *
 * <pre>{@code
 * try (ZooModel<String, String> model = GptCriteria.textGeneration(dir, sampling, tok).loadModel();
 *         Predictor<String, String> predictor = model.newPredictor()) {
 *     String continuation = predictor.predict("Every effort moves you");
 * }
 * }</pre>
 */
public final class GptCriteria {

    private GptCriteria() {}

    /**
     * Criteria that load {@code dir} (HuggingFace GPT-2 folder or jgpt checkpoint) on the default
     * engine and continue a prompt with {@code sampling}.
     */
    public static Criteria<String, String> textGeneration(
            Path dir, SamplingConfig sampling, Tokenizer tokenizer) {
        GptModel gpt = new GptModel(Checkpoints.readConfig(dir));
        return Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(dir)
                .optEngine(Engine.getDefaultEngineName())
                .optBlock(new GenerationBlock(gpt, sampling))
                // the translator loads the weights itself: DJL's .params reader does not know
                // safetensors and does not check shapes
                .optOption("hasParameter", "false")
                .optTranslator(new TextGenerationTranslator(tokenizer))
                .build();
    }
}
