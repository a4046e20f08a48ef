package dev.jgpt.examples.cli;

import ai.djl.ndarray.types.DataType;
import dev.jgpt.model.LanguageModel;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --dtype fp32|fp16|bf16} for the inference commands. */
final class DtypeOption {

    @Option(names = "--dtype", defaultValue = "fp32",
            description = "Weights for inference: fp32, or fp16 (half the memory; fast on GPUs, slow on CPUs; not on MXNet). bf16 is refused: DJL 0.36 cannot make a BF16 tensor (its PyTorch engine aborts the JVM on one, MXNet rejects it); BF16 checkpoints load as fp32 (default: ${DEFAULT-VALUE}).")
    String name;

    /** {@code lm} in the chosen type; closes {@code lm} when it returns a converted copy. */
    LanguageModel convert(LanguageModel lm) {
        DataType type = switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> DataType.FLOAT32;
            case "fp16", "float16", "half" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be fp32, fp16 or bf16, got '" + name + "'");
        };
        LanguageModel converted;
        try {
            converted = lm.toDataType(type);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        if (converted != lm) {
            lm.close();
        }
        return converted;
    }
}
