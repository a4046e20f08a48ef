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
 * {@code ZooModel} / {@code Predictor} (see {@link GenerationCriteria}).
 */
public final class TextGenerationTranslator implements NoBatchifyTranslator<String, String> {

    private final Tokenizer tokenizer;
    private final boolean closeWithModel;

    /** A translator using {@code tokenizer} (which it does not close). */
    public TextGenerationTranslator(Tokenizer tokenizer) {
        this(tokenizer, false);
    }

    /**
     * A translator using {@code tokenizer}, which is closed with the model when {@code
     * closeWithModel} (a tokenizer the criteria opened themselves).
     */
    public TextGenerationTranslator(Tokenizer tokenizer, boolean closeWithModel) {
        this.tokenizer = tokenizer;
        this.closeWithModel = closeWithModel;
    }

    @Override
    public void prepare(TranslatorContext ctx) {
        if (closeWithModel) {
            ctx.getModel().getNDManager().attachInternal("tokenizer-" + java.util.UUID.randomUUID(),
                    (AutoCloseable) tokenizer::close);
        }
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
