package dev.jgpt.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.checkpoint.JgptCheckpoint;
import dev.jgpt.model.checkpoint.ModelFamilies;
import dev.jgpt.model.io.CheckpointException;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.InitStyle;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A causal language model of any family ready to run: the DJL {@link Model} that owns the
 * weights, its {@link CausalLm} block and config. Create one with random weights from a config,
 * or load a HuggingFace folder of a known family ({@code model_type} in its {@code config.json})
 * or the project's own checkpoint; close it to free the weights.
 */
public final class LanguageModel implements AutoCloseable {

    private final Model model;
    private final CausalLm block;
    private final ParameterStore inferenceStore;

    /**
     * Wraps a DJL model whose block is an initialised {@link CausalLm}. Loaders use this; most
     * callers want {@link #create} or {@link #load}.
     */
    public LanguageModel(Model model) {
        if (!(model.getBlock() instanceof CausalLm lm)) {
            throw new IllegalArgumentException("The model's block is not a CausalLm");
        }
        this.model = model;
        this.block = lm;
        this.inferenceStore = new ParameterStore(model.getNDManager(), false);
    }

    /**
     * A model of {@code config}'s family with its random initialisation (normal, std 0.02).
     *
     * @param seed seeds the engine's generator, so the same seed gives the same weights
     */
    public static LanguageModel create(ModelConfig config, Device device, int seed) {
        return create(config, device, seed, InitStyle.GPT2);
    }

    /** A model with random weights drawn the {@code style} way, seeded by {@code seed}. */
    public static LanguageModel create(ModelConfig config, Device device, int seed, InitStyle style) {
        return create(config, device, seed, style, Engine.getInstance().getEngineName());
    }

    /**
     * {@link #create(ModelConfig, Device, int, InitStyle)} on the named engine rather than the
     * default one (each engine has its own generator, so the weights differ between engines).
     */
    public static LanguageModel create(ModelConfig config, Device device, int seed, InitStyle style,
            String engine) {
        requireMemoryFor(config, device);
        Model model = Model.newInstance("jgpt", device, engine);
        try {
            CausalLm gpt = ModelFamilies.of(config).newModel(config, true);
            style.apply(gpt);
            model.setBlock(gpt);
            model.getNDManager().getEngine().setRandomSeed(seed);
            gpt.initialize(model.getNDManager());
            return new LanguageModel(model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Refuses a config whose fp32 weights exceed the memory of the device they would live on (the
     * machine's physical memory, or the GPU's), before a block is built: a crafted config is one
     * error naming its sizes, not minutes of building and an {@code OutOfMemoryError}.
     *
     * @throws IllegalArgumentException naming the config, its parameter count and both sizes
     */
    public static void requireMemoryFor(ModelConfig config, Device device) {
        long parameters = config.parameterCount();
        double bytes = parameters * 4.0;
        long available = memoryOf(device);
        if (available > 0 && bytes > available) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s has %,d parameters: %.1f GB"
                    + " in fp32, more than the %.1f GB of memory of %s", config, parameters, bytes / 1e9,
                    available / 1e9, device));
        }
    }

    private static long memoryOf(Device device) {
        try {
            if (device.isGpu()) {
                return ai.djl.util.cuda.CudaUtils.getGpuMemory(device).getMax();
            }
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
        } catch (RuntimeException | LinkageError e) {
            return -1; // unknown: the engine reports what it cannot allocate
        }
    }

    /**
     * Loads a HuggingFace folder ({@code config.json} + {@code model.safetensors}) of a known
     * family or the project's own checkpoint folder ({@code config.json} + {@code
     * jgpt-0000.params}).
     *
     * @throws CheckpointException naming the problem if neither loads
     */
    public static LanguageModel load(Path dir, Device device) {
        return load(dir, device, Engine.getInstance().getEngineName());
    }

    /**
     * {@link #load(Path, Device)} on the named engine: a checkpoint written under one engine loads
     * under another (the {@code .params} and safetensors files are engine-neutral).
     */
    public static LanguageModel load(Path dir, Device device, String engine) {
        CausalLm gpt = Checkpoints.newModel(dir);
        Model model = Model.newInstance("jgpt", device, engine);
        try {
            model.setBlock(gpt);
            Checkpoints.loadInto(gpt, model.getNDManager(), dir);
            return new LanguageModel(model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** {@link #load(Path, Device)} onto the engine's default device (a GPU when it has one). */
    public static LanguageModel load(Path dir) {
        return load(dir, Engine.getInstance().defaultDevice());
    }

    /** Saves this model as a jgpt checkpoint in {@code dir} (written atomically). */
    public void save(Path dir) {
        JgptCheckpoint.save(block, model.getDataType(), dir);
    }

    /**
     * Saves this model and the files of {@code tokenizer} (none for the built-in GPT-2 one), so
     * that {@link #load} and {@code Tokenizers.forModel(dir)} find both.
     */
    public void save(Path dir, Tokenizer tokenizer) {
        save(dir);
        try {
            tokenizer.save(dir);
        } catch (IOException e) {
            throw new CheckpointException("Cannot save the tokenizer to " + dir + ": " + e, e);
        }
    }

    /**
     * Writes this model as a HuggingFace folder of its family ({@code ModelFamily#saveHuggingFace}:
     * {@code config.json}, the weights in {@code dtype} under HF's names, sharded above {@code
     * maxShardBytes}) with the files of {@code tokenizer}, so that {@code transformers} and {@link
     * #load} both read it. Loading it back gives the same weights bit for bit when {@code dtype}
     * holds them exactly (F32 always; BF16 for weights that came from a BF16 file).
     *
     * @throws CheckpointException naming the folder if a file cannot be written
     */
    public void saveHuggingFace(Path dir, Tokenizer tokenizer, dev.jgpt.model.io.SafeTensorsWriter.DType dtype,
            long maxShardBytes) {
        try {
            ModelFamilies.of(config()).saveHuggingFace(block, dir, dtype.dataType(), maxShardBytes);
            tokenizer.save(dir);
        } catch (IOException e) {
            throw new CheckpointException("Cannot write the HuggingFace folder " + dir + ": " + e, e);
        }
    }

    /**
     * A copy of this model (or this model, if already of that type) with its weights in {@code
     * type} on the same engine and device: {@code
     * FLOAT32}, or {@code FLOAT16} for inference (half the memory; fast on GPUs, supported but slow
     * on CPUs). Logits reach the sampler as FP32. Not for training: DJL has no autocast or loss
     * scaling. Close both models when done (this one can be closed at once).
     *
     * @throws IllegalArgumentException for {@code BFLOAT16} (DJL 0.36 cannot make a BF16 tensor on
     *     either engine: its PyTorch JNI has no mapping for the type and aborts the JVM on every call
     *     that names it, MXNet throws; see {@code Bf16EngineProbeTest}) or any other type
     */
    public LanguageModel toDataType(ai.djl.ndarray.types.DataType type) {
        switch (type) {
            case FLOAT32:
            case FLOAT16:
                break;
            case BFLOAT16:
                throw new IllegalArgumentException("BF16 is not supported: DJL 0.36 cannot make a BF16 tensor"
                        + " (its PyTorch engine has no mapping for the type and aborts the JVM on toType, create,"
                        + " zeros or loading BF16; MXNet rejects it); BF16 checkpoints load widened to fp32: use"
                        + " fp32, or fp16 for inference");
            default:
                throw new IllegalArgumentException("Weights can be fp32 or fp16, not " + type);
        }
        if (type == dataType()) {
            return this;
        }
        Model copy = Model.newInstance("jgpt", manager().getDevice(), manager().getEngine().getEngineName());
        try {
            CausalLm gpt = ModelFamilies.of(config()).newModel(config(), true);
            copy.setBlock(gpt);
            copy.setDataType(type);
            gpt.setInitializer(ai.djl.training.initializer.Initializer.ZEROS, p -> true); // overwritten below
            gpt.initialize(copy.getNDManager(), type, new ai.djl.ndarray.types.Shape(1, config().contextLength()));
            gpt.copyParametersFrom(block);
            LanguageModel lm = new LanguageModel(copy);
            try (NDManager scope = copy.getNDManager().newSubManager()) {
                lm.logits(scope.create(new long[] {0}).reshape(1, 1)); // fails now if it cannot run
            }
            return lm;
        } catch (UnsupportedOperationException | ai.djl.engine.EngineException e) {
            copy.close();
            throw new IllegalArgumentException("The " + manager().getEngine().getEngineName() + " engine cannot run"
                    + " this model in " + type + " on " + manager().getDevice() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** The weights' data type. */
    public ai.djl.ndarray.types.DataType dataType() {
        return block.dataType();
    }

    /** The configuration. */
    public ModelConfig config() {
        return block.config();
    }

    /** The model's block. */
    public CausalLm block() {
        return block;
    }

    /** The DJL model that owns the weights. */
    public Model model() {
        return model;
    }

    /** The manager the weights live on. */
    public NDManager manager() {
        return model.getNDManager();
    }

    /**
     * Logits in inference mode (no dropout, no gradient graph is needed).
     *
     * @param ids token ids {@code (B, T)} on this model's device
     * @return logits {@code (B, T, V)}, attached to {@code ids}' manager
     */
    public NDArray logits(NDArray ids) {
        return block.logits(inferenceStore, ids, ForwardState.inference());
    }

    @Override
    public void close() {
        model.close();
    }
}
