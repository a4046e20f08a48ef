package dev.jgpt.examples.cli;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code jgpt export}: a model folder (or a preset with random weights) as a HuggingFace folder
 * of its family, which {@code transformers} loads ({@code LanguageModel.saveHuggingFace}).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model as a HuggingFace folder (config.json, safetensors, tokenizer files).")
final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @Option(names = "--model", required = true,
            description = "A model folder (HuggingFace or jgpt checkpoint), or a preset, built with random weights.")
    String model;

    @Option(names = "--out", required = true, description = "The folder to write.")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32",
            description = "Tensor type in the files: f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "5GB",
            description = "Shard above this size, as save_pretrained does (e.g. 5GB, 500MB; default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--seed", defaultValue = "123", description = "Seed of a preset's random weights (default: ${DEFAULT-VALUE}).")
    int seed;

    @Override
    public Integer call() {
        SafeTensorsWriter.DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32" -> SafeTensorsWriter.DType.F32;
            case "f16", "fp16", "float16" -> SafeTensorsWriter.DType.F16;
            case "bf16", "bfloat16" -> SafeTensorsWriter.DType.BF16;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--dtype must be f32, f16 or bf16, got '" + dtype + "'");
        };
        long shardBytes = bytes(maxShardSize);
        PrintWriter o = spec.commandLine().getOut();
        boolean folder = ModelSource.isFolder(model);
        ModelConfig config = ModelSource.config(model);
        try (Tokenizer tokenizer = ModelSource.tokenizer(model);
                LanguageModel lm = folder ? ModelSource.load(model, device.device())
                        : LanguageModel.create(config, device.device(), seed)) {
            lm.saveHuggingFace(out, tokenizer, type, shardBytes);
        }
        o.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %s%s%n", out, config.modelType(), config.parameterCount(),
                type, folder ? "" : " (random weights, no tokenizer files)");
        return 0;
    }

    /** {@code 5GB}, {@code 500MB}, {@code 64KB} or a byte count, in powers of ten as {@code transformers} reads them. */
    private long bytes(String size) {
        String s = size.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}}) {
            if (s.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                s = s.substring(0, s.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(s), unit);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // the message below
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "--max-shard-size must be a positive size such as 5GB or 500MB, got '" + size + "'");
    }
}
