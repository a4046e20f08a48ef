package dev.jgpt.examples.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.checkpoint.ModelFamilies;
import dev.jgpt.model.lora.Lora;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.training.TrainingCheckpoint;
import dev.jgpt.training.TrainingLoop;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code jgpt bench-train}: training throughput (tokens/s) of the library's training loop ({@link
 * TrainingLoop}, the one {@code pretrain} and the fine-tuners run), model FLOPs utilisation against
 * the machine's measured fp32 matmul peak, data-pipeline share of the step time, and RSS early and
 * late in the run (flat RSS means no NDArray leak).
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
        description = "Measure pretraining throughput, MFU and memory on random tokens.")
final class BenchTrainCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @Option(names = "--model-size", defaultValue = "124M",
            description = "Preset of any family: 124M, qwen3-0.6b, llama3.2-1b, ... (default: ${DEFAULT-VALUE}).")
    String modelSize;

    @CommandLine.Mixin LoraOptions loraOptions;

    @Option(names = "--context-length", defaultValue = "256", description = "(default: ${DEFAULT-VALUE})")
    int contextLength;

    @Option(names = "--batch-size", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--steps", defaultValue = "200", description = "Measured steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured first steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--early-step", defaultValue = "20", description = "Step whose RSS is the baseline (default: ${DEFAULT-VALUE}).")
    int earlyStep;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelConfig cfg;
        LoraConfig lora;
        try {
            cfg = ModelFamilies.preset(modelSize).withContextLength(contextLength);
            lora = loraOptions.config();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        double peak = matmulPeakGflops(out);
        int b = batchSize;
        int t = contextLength;
        try (LanguageModel lm = LanguageModel.create(cfg, device.device(), 1)) {
            long trainable = cfg.parameterCount();
            if (lora != null) {
                Lora.apply(lm.block(), lora, lm.manager());
                trainable = Lora.trainableParameterCount(lm.block());
            }
            out.printf(Locale.ROOT, "model %s (%,d parameters, %,d trained%s), context %d, batch %d, AdamW, fp32, %s%n",
                    modelSize, cfg.parameterCount(), trainable, lora == null ? "" : " by LoRA rank " + lora.rank(),
                    t, b, device.device());
            out.flush();
            RandomTokens task = new RandomTokens(lm, b, t, warmup + steps, out);
            // the loop users train with: one epoch of warmup + steps batches, no checkpoints
            TrainingLoop.Settings settings = new TrainingLoop.Settings(1, b, 1, 0, 4e-4f, 0.1f, 0, 0f, 0, 1);
            new TrainingLoop(settings, null).run(lm.model(), task, null);
            long rssLate = ProcessMemory.rssKb("VmRSS:");
            double tokensPerSecond = steps * (double) b * t / task.totalSeconds;
            // forward 2N, backward 2N for the activations' gradients and 2 per trained weight for its own
            double flopsPerToken = 4.0 * cfg.parameterCount() + 2.0 * trainable
                    + 12.0 * cfg.numLayers() * cfg.numHeads() * cfg.headDim() * t;
            double mfu = tokensPerSecond * flopsPerToken / (peak * 1e9);
            out.printf(Locale.ROOT, "throughput: %.1f tokens/s (%.2f s/step) over %d steps%n",
                    tokensPerSecond, task.totalSeconds / steps, steps);
            out.printf(Locale.ROOT, "MFU: %.1f%% (%.2f GFLOP/token, matmul peak %.1f GFLOPS)%n",
                    100 * mfu, flopsPerToken / 1e9, peak);
            out.printf(Locale.ROOT, "data pipeline: %.2f%% of step time%n", 100 * task.dataSeconds / task.totalSeconds);
            if (task.rssEarly > 0) {
                out.printf(Locale.ROOT, "RSS: %.0f MB after step %d, %.0f MB after step %d (%+.1f%%); peak %.0f MB%n",
                        task.rssEarly / 1024.0, earlyStep, rssLate / 1024.0, steps,
                        100.0 * (rssLate - task.rssEarly) / task.rssEarly, ProcessMemory.rssKb("VmHWM:") / 1024.0);
            } else { // a run shorter than --early-step has no baseline to compare with
                out.printf(Locale.ROOT, "RSS: %.0f MB after step %d (no baseline: --steps is below --early-step %d);"
                        + " peak %.0f MB%n", rssLate / 1024.0, steps, earlyStep,
                        ProcessMemory.rssKb("VmHWM:") / 1024.0);
            }
        }
        return 0;
    }

    /**
     * Random windows of a random token stream, as the loop's task; it times each step from the
     * start of its batch to the end of {@link #afterStep}, leaving out the first {@code warmup}.
     */
    private final class RandomTokens implements TrainingLoop.Task {
        private final LanguageModel lm;
        private final int b;
        private final int t;
        private final int count;
        private final PrintWriter out;
        private final long[] tokens;
        private final Random random = new Random(1);
        private long stepStart;
        private double stepData;
        double dataSeconds;
        double totalSeconds;
        long rssEarly = -1;

        RandomTokens(LanguageModel lm, int b, int t, int totalSteps, PrintWriter out) {
            this.lm = lm;
            this.b = b;
            this.t = t;
            this.count = totalSteps * b;
            this.out = out;
            tokens = new long[(b * t + 1) * 64];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(lm.config().vocabSize());
            }
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public TrainingLoop.Batch batch(NDManager manager, int[] order, int first, int size) {
            stepStart = System.nanoTime();
            int offset = random.nextInt(tokens.length - b * t - 1);
            long[] in = new long[b * t];
            long[] target = new long[b * t];
            System.arraycopy(tokens, offset, in, 0, b * t);
            System.arraycopy(tokens, offset + 1, target, 0, b * t);
            NDArray x = manager.create(in).reshape(b, t);
            NDArray y = manager.create(target).reshape(b, t);
            stepData = (System.nanoTime() - stepStart) / 1e9;
            return new TrainingLoop.Batch(new NDList(x), new NDList(y), (long) b * t);
        }

        @Override
        public Shape[] inputShapes() {
            return new Shape[] {new Shape(b, t)};
        }

        @Override
        public Map<String, Parameter> optimized() {
            return TrainingCheckpoint.optimized(lm.block());
        }

        @Override
        public TrainingCheckpoint.ModelWriter modelWriter() {
            return null;
        }

        @Override
        public void afterStep(TrainingLoop.Progress p) {
            long measured = p.step() - warmup;
            if (measured > 0) {
                dataSeconds += stepData;
                totalSeconds += (System.nanoTime() - stepStart) / 1e9;
            }
            if (measured == earlyStep) {
                rssEarly = ProcessMemory.rssKb("VmRSS:");
            }
            if (measured > 0 && measured % 20 == 0) {
                out.printf(Locale.ROOT, "  step %d: %.1f tokens/s so far, RSS %.0f MB%n", measured,
                        measured * (double) b * t / totalSeconds, ProcessMemory.rssKb("VmRSS:") / 1024.0);
                out.flush();
            }
        }
    }

    /** Best of several fp32 (1024 x 1024) x (1024 x 1024) matmuls, in GFLOPS. */
    private static double matmulPeakGflops(PrintWriter out) {
        int n = 1024;
        double best = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray c = m.randomUniform(-1, 1, new Shape(n, n));
            for (int i = 0; i < 12; i++) {
                long start = System.nanoTime();
                try (NDArray r = a.matMul(c)) {
                    r.getFloat(0, 0);
                }
                double s = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, 2.0 * n * n * n / s / 1e9);
            }
        }
        out.printf(Locale.ROOT, "measured fp32 matmul peak: %.1f GFLOPS%n", best);
        return best;
    }
}
