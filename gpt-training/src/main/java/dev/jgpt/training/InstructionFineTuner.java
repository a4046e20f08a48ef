package dev.jgpt.training;

import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Instruction fine-tuning (the book's chapter 7): next-token training on examples in the book's
 * Alpaca format or the model's chat template ({@link InstructionFormat}) with the masked loss, run by {@link Pretrainer}'s loop, so it has the same periodic
 * validation loss, sample (the response to the first validation entry), metrics, plot, and
 * resumable checkpoints. With LoRA, the base weights are frozen and only the adapters train.
 */
public final class InstructionFineTuner {

    private final PretrainConfig cfg;
    private final InstructionFormat format;
    private final LoraConfig lora;
    private final Tokenizer tokenizer;
    private final Path out;
    private final Pretrainer.Listener listener;

    /**
     * @param cfg optimisation and reporting settings; {@code contextLength} caps each batch
     * @param maskPrompt also ignore the prompt's targets (only the response is learned)
     * @param lora train LoRA adapters of these settings instead of every weight, or {@code null}
     */
    public InstructionFineTuner(PretrainConfig cfg, boolean maskPrompt, LoraConfig lora, Tokenizer tokenizer,
            Path out, Pretrainer.Listener listener) {
        this(cfg, InstructionFormat.alpaca(maskPrompt), lora, tokenizer, out, listener);
    }

    /**
     * @param cfg optimisation and reporting settings; {@code contextLength} caps each batch
     * @param format the book's Alpaca format or the model's chat template ({@link InstructionFormat})
     * @param lora train LoRA adapters of these settings instead of every weight, or {@code null}
     */
    public InstructionFineTuner(PretrainConfig cfg, InstructionFormat format, LoraConfig lora, Tokenizer tokenizer,
            Path out, Pretrainer.Listener listener) {
        this.cfg = cfg;
        this.format = format;
        this.lora = lora;
        this.tokenizer = tokenizer;
        this.out = out;
        this.listener = listener;
    }

    /**
     * The book's settings: 2 epochs, batch 8, AdamW lr 5e-5 and weight decay 0.1, loss every 5
     * steps over 5 batches, batches cut to {@code contextLength}, the sample being the response
     * (up to 35 tokens) to {@code sample}'s prompt, seed 123.
     */
    public static PretrainConfig book(int contextLength, InstructionExample sample) {
        return bookSettings().contextLength(contextLength).sample(InstructionData.formatPrompt(sample), 35).build();
    }

    /** The book's settings of {@link #book}, before the context length and the sample are known. */
    public static PretrainConfig.Builder bookSettings() {
        return PretrainConfig.builder().epochs(2).batchSize(8).learningRate(5e-5f).weightDecay(0.1f)
                .evaluation(5, 5).sampleTokens(35).seed(123);
    }

    /**
     * Where {@link #save} put the tuned model.
     *
     * @param model the folder {@code serve}, {@code chat}, {@code generate} and {@code
     *     generate-responses} take: the weights (adapters merged), config, tokenizer files where
     *     the model had its own, and the format it was tuned in (its chat template, or {@code
     *     prompt_format.json} for the Alpaca format)
     * @param adapters the LoRA adapters alone in peft's layout, or {@code null} without LoRA
     */
    public record SavedModel(Path model, Path adapters) {}

    /**
     * Keeps what the run produced under the run folder: with LoRA the adapters alone
     * ({@code adapters/}), which are then merged into the weights; the model itself ({@code
     * model/}) with its tokenizer and the format it was tuned in ({@link InstructionFormat#saveWith}).
     * {@code lm} stays usable, its adapters merged.
     */
    public SavedModel save(LanguageModel lm) throws IOException {
        Path adapters = null;
        LoraConfig attached = Lora.configOf(lm.block());
        if (attached != null) {
            adapters = out.resolve("adapters");
            Lora.save(lm.block(), attached, adapters);
            Lora.merge(lm.block());
        }
        Path model = out.resolve("model");
        lm.save(model);
        tokenizer.save(model);
        format.saveWith(model);
        return new SavedModel(model, adapters);
    }

    /**
     * Fine-tunes {@code lm} on {@code train}, evaluating on {@code validation}.
     *
     * @param resumeFrom a checkpoint folder that {@code lm} was loaded from, or {@code null}
     */
    public Pretrainer.Result train(LanguageModel lm, List<InstructionExample> train,
            List<InstructionExample> validation, Path resumeFrom) {
        if (lora != null && Lora.adapters(lm.block()).isEmpty()) {
            Lora.apply(lm.block(), lora, lm.manager());
        }
        int length = Math.min(cfg.contextLength(), lm.config().contextLength());
        return new Pretrainer(cfg, tokenizer, out, listener).withPlotTitle("Instruction fine-tuning loss").train(lm,
                format.batches(train, tokenizer, length), format.batches(validation, tokenizer, length), resumeFrom);
    }
}
