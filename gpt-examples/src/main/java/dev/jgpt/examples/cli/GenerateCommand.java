package dev.jgpt.examples.cli;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt generate}: continue a prompt, streaming the text as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a loaded model, streaming the text.")
final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin SamplingOptions sampling;

    @CommandLine.Mixin DtypeOption dtype;

    @Option(names = "--model", required = true,
            description = "A HuggingFace GPT-2 folder or a jgpt checkpoint folder.")
    String model;

    static final class Prompt {
        @Option(names = "--prompt", description = "The prompt as text.")
        String text;

        @Option(names = "--prompt-ids", split = ",",
                description = "The prompt as comma-separated token ids, e.g. 15496,11,314.")
        long[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = "--max-new-tokens", defaultValue = "50",
            description = "How many tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Always pick the most likely token (the default unless"
            + " --temperature is above 0 or the model's generation_config.json samples).")
    boolean greedy;

    @Option(names = "--eos-id",
            description = "Stop when this id is produced; -1 never stops (default: the model's end ids, from its"
                    + " generation_config.json, or 50256 for GPT-2).")
    Long eosId;

    @Option(names = "--no-kv-cache", description = "Run the whole window every step (slower).")
    boolean noKvCache;

    @Option(names = "--print-ids",
            description = "End the output with one line holding only the new token ids.")
    boolean printIds;

    @Override
    public Integer call() {
        if (greedy && sampling.temperature != null && sampling.temperature > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--greedy and --temperature " + sampling.temperature + " contradict each other");
        }
        try {
            sampling.validate(maxNewTokens);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SamplingConfig config = sampling.config(maxNewTokens, ModelSource.generationConfig(model), greedy);
        if (eosId != null) {
            config = config.withEndOfText(eosId);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LanguageModel lm = dtype.convert(ModelSource.load(model, device.device()));
                Tokenizer tokenizer = ModelSource.tokenizer(model)) {
            if (eosId == null) {
                config = config.withEndIdsOf(tokenizer); // every end id the model's folder declares
            }
            Generator generator = new Generator(lm, !noKvCache);
            // a text prompt starts a document: the tokenizer's own special tokens (Llama's BOS), as HF's generate
            long[] promptIds = prompt.ids != null ? prompt.ids : tokenizer.encodeWithSpecialTokens(prompt.text);
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("The prompt is empty: give some text to continue");
            }
            long start = System.nanoTime();
            long[] first = new long[] {-1};
            TextGenerator.IncrementalDecoder decoder = new TextGenerator.IncrementalDecoder(tokenizer);
            out.print(prompt.text != null ? prompt.text : tokenizer.decode(promptIds));
            out.flush();
            long[] ids = generator.generate(promptIds, config, id -> {
                if (first[0] < 0) {
                    first[0] = System.nanoTime();
                }
                out.print(decoder.add(id));
                out.flush();
                return true;
            });
            out.println(decoder.flush());
            double seconds = (System.nanoTime() - start) / 1e9;
            err.printf("%d tokens in %.2f s (%.1f tokens/s)%n", ids.length, seconds,
                    ids.length / Math.max(seconds, 1e-9));
            if (printIds) {
                out.println(Arrays.stream(ids).mapToObj(Long::toString)
                        .collect(Collectors.joining(",")));
            }
        }
        return 0;
    }
}
