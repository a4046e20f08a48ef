package dev.jgpt.examples.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.jgpt.datasets.CorpusTokenizer;
import dev.jgpt.datasets.DatasetException;
import dev.jgpt.datasets.TokenIds;
import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.Engines;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.training.Evaluation;
import dev.jgpt.training.PretrainConfig;
import dev.jgpt.training.Pretrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code jgpt pretrain}: train a GPT on unlabelled text. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, defaultValueProvider = BookDefaults.Pretrain.class,
        description = "Pretrain a GPT on a text file, a folder of .txt files, a token shard folder (index.json),"
                + " or the bundled the-verdict.")
final class PretrainCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin DataOption data;

    @CommandLine.Mixin TrainingOptions training;

    @CommandLine.Mixin ScheduleOptions schedule;

    @CommandLine.Mixin FreshModelOptions fresh;

    @Option(names = "--init", description = "Start from this model instead: a folder (HuggingFace or jgpt checkpoint) or a"
            + " Hub repository (owner/name).")
    String initRef;

    /** The folder {@code --init} names, a Hub repository downloaded first; null when not given. */
    private Path init;

    @Option(names = "--context-length", description = "Tokens per window (default: ${DEFAULT-VALUE}).")
    int contextLength;

    @Option(names = "--prompt", description = "Sample prompt after each epoch (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--sample-tokens", description = "Tokens of each sample; 0: none (default: ${DEFAULT-VALUE}).")
    int sampleTokens;

    @Option(names = "--sample-every", description = "Also sample every N steps; 0: at epoch ends only (default: ${DEFAULT-VALUE}).")
    int sampleEvery;

    @Option(names = "--train-ratio", defaultValue = "0.9", description = "Training share of the text's characters"
            + " (of a token shard folder's tokens) (default: ${DEFAULT-VALUE}).")
    double trainRatio;

    @Option(names = "--devices", split = ",",
            description = "Train data-parallel on these devices, e.g. gpu:0,gpu:1 (each batch split by rows; no --grad-clip). Default: --device.")
    List<String> devices;

    /** Where the token ids stream to during the run (deleted at its end). */
    private static final String TOKENS_DIR = ".tokens";

    @Override
    public Integer call() throws Exception {
        init = initRef == null ? null : ModelSource.path(initRef);
        PrintWriter outWriter = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PretrainConfig cfg;
        try {
            cfg = schedule.applyTo(training.applyTo(PretrainConfig.builder())).contextLength(contextLength)
                    .sample(prompt, sampleTokens).sampleEvery(sampleEvery).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<Path> checkpoint = training.checkpoint();
        try (Tokenizer tokenizer = fresh.startingTokenizer(init, checkpoint);
                Corpus split = corpus(data.resolve(), tokenizer);
                LanguageModel lm = fresh.startingModel(init, checkpoint, modelDevice(), training.seed,
                        contextLength)) {
            split.checkFits(lm.config().vocabSize());
            TokenIds trainIds = split.train();
            TokenIds valIds = split.validation();
            outWriter.printf(Locale.ROOT, "%s%n%,d parameters; %,d training and %,d validation tokens;"
                    + " engine %s on %s%s%n", lm.config(), lm.config().parameterCount(), trainIds.length(),
                    valIds.length(), Engine.getInstance().getEngineName(), lm.manager().getDevice(),
                    checkpoint.map(p -> "; resuming from " + p).orElse(""));
            outWriter.flush();
            Pretrainer.Result result = new Pretrainer(cfg, tokenizer, training.out, new Pretrainer.Listener() {
                @Override
                public void onStep(long step, long total, int epoch, float loss) {
                    int width = 30;
                    int filled = (int) (width * step / Math.max(total, 1));
                    err.printf(Locale.ROOT, "\r[%s%s] step %d/%d epoch %d loss %.3f ", "#".repeat(filled),
                            ".".repeat(width - filled), step, total, epoch + 1, loss);
                    err.flush();
                }

                @Override
                public void onEvaluation(Evaluation e) {
                    err.print("\r");
                    outWriter.printf(Locale.ROOT, "ep %.2f (step %06d): train loss %.3f, val loss %.3f,"
                                    + " val ppl %.1f, %,d tokens seen, %.0f tokens/s%n", e.epoch(), e.step(),
                            e.trainLoss(), e.validationLoss(), e.validationPerplexity(), e.tokensSeen(),
                            e.tokensPerSecond());
                    outWriter.flush();
                }

                @Override
                public void onSample(int epoch, long step, String sample) {
                    err.print("\r");
                    outWriter.printf("sample at step %d (epoch %d): %s%n", step, epoch + 1, sample.replace('\n', ' '));
                    outWriter.flush();
                }
            }).withDevices(trainingDevices()).train(lm, trainIds, valIds, checkpoint.orElse(null));
            outWriter.printf(Locale.ROOT, "done: %d steps, %,d tokens seen, %.1f s training (%.0f tokens/s)%n",
                    result.steps(), result.tokensSeen(), result.trainingSeconds(),
                    result.tokensSeen() / Math.max(result.trainingSeconds(), 1e-9));
            if (result.outOfTime()) {
                outWriter.printf("stopped at --max-minutes before the last epoch; --resume continues from the checkpoint%n");
            }
            outWriter.printf("wrote %s, %s and %s%n", training.out.resolve("checkpoint"), training.out.resolve("metrics.csv"),
                    training.out.resolve("loss.png"));
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(training.out.resolve(TOKENS_DIR)); // its files went when closed
            } catch (java.io.IOException ignored) {
                // a folder left behind holds nothing
            }
        }
        return 0;
    }

    /**
     * The training and validation ids of {@code source}: a token shard folder's ids split at
     * {@code (long) (trainRatio * tokens)}, else the text tokenized and split at that share of
     * its characters.
     */
    private Corpus corpus(Path source, Tokenizer tokenizer) {
        if (!TokenShards.isShardFolder(source)) {
            CorpusTokenizer.Split split = CorpusTokenizer.tokenize(source, tokenizer, trainRatio,
                    training.out.resolve(TOKENS_DIR));
            return new Corpus(split.train(), split.validation(), split, null, -1);
        }
        if (!(trainRatio > 0 && trainRatio < 1)) {
            throw new IllegalArgumentException("The train ratio must be in (0, 1), got " + trainRatio);
        }
        TokenShards.Index index = TokenShards.readIndex(source);
        if (index.vocabSize() != tokenizer.vocabSize()) {
            throw new DatasetException(source + " holds ids of a " + index.vocabSize() + "-token vocabulary (tokenizer "
                    + index.tokenizer() + "), not the " + tokenizer.vocabSize() + " of this run's tokenizer");
        }
        TokenIds all = TokenShards.open(source);
        long cut = (long) (trainRatio * all.length());
        return new Corpus(all.slice(0, cut), all.slice(cut, all.length()), all, source, index.vocabSize());
    }

    /**
     * The ids a run trains and validates on, and what to close when it ends.
     *
     * @param shards the shard folder, or null for text
     * @param vocabSize the shards' vocabulary size (-1 for text)
     */
    private record Corpus(TokenIds train, TokenIds validation, AutoCloseable owner, Path shards, long vocabSize)
            implements AutoCloseable {

        /** Refuses shards with ids the model has no embedding for. */
        void checkFits(int modelVocabSize) {
            if (shards != null && vocabSize > modelVocabSize) {
                throw new DatasetException(shards + " holds ids of a " + vocabSize + "-token vocabulary, more than the "
                        + modelVocabSize + " of the model");
            }
        }

        @Override
        public void close() throws Exception {
            owner.close();
        }
    }

    /** The training devices: {@code --devices}, else the model's {@code --device}. */
    private Device[] trainingDevices() {
        if (devices == null || devices.isEmpty()) {
            return new Device[] {modelDevice()};
        }
        return devices.stream().map(Engines::device).toArray(Device[]::new);
    }

    /** Where the weights live: the first of {@code --devices}, else {@code --device}. */
    private Device modelDevice() {
        return devices == null || devices.isEmpty() ? device.device() : Engines.device(devices.get(0));
    }
}
