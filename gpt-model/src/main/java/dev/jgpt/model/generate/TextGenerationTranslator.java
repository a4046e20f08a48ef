package dev.jgpt.model.generate;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.tokenizer.Tokenizer;

/**
 * A DJL {@code Translator<String, String>} for a {@link GenerationBlock}: encodes the prompt with
 * the model's tokenizer (the one {@link dev.jgpt.model.tokenizer.Tokenizers#forModel} picks) and
 * decodes the generated ids. On {@code prepare} it loads the model folder's weights (HuggingFace
 * GPT-2 or jgpt checkpoint) into the block, so that a folder loads through {@code Criteria} /
 * {@code ZooModel} / {@code Predictor} (see {@link GptCriteria}).
 */
public final class TextGenerationTranslator implements NoBatchifyTranslator<String, String> {

    private final Tokenizer tokenizer;

    /** A translator using {@code tokenizer} (which it does not close). */
    public TextGenerationTranslator(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public void prepare(TranslatorContext ctx) {
        GenerationBlock block = (GenerationBlock) ctx.getModel().getBlock();
        if (!block.isInitialized()) {
            Checkpoints.loadInto(block.gpt(), ctx.getModel().getNDManager(),
                    ctx.getModel().getModelPath());
            block.gpt().freezeParameters(true);
        }
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String prompt) {
        long[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            throw new IllegalArgumentException("The prompt is empty: give some text to continue");
        }
        return new NDList(ctx.getNDManager().create(ids));
    }

    @Override
    public String processOutput(TranslatorContext ctx, NDList list) {
        return tokenizer.decode(list.singletonOrThrow().toLongArray());
    }
}
