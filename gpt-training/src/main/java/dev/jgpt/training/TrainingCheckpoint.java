package dev.jgpt.training;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.files.AtomicFiles;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.lora.Lora;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Everything a killed run needs to continue: the model (a jgpt checkpoint), the optimizer's
 * moments, and where training stood. Written to a temporary folder that replaces {@code
 * checkpoint/} only once complete ({@code state.json} is written last), so a kill at any moment
 * leaves either the previous or the new checkpoint, never a broken one.
 */
public final class TrainingCheckpoint {

    /** The folder under the run's output folder. */
    public static final String DIR = "checkpoint";

    private static final String TMP = ".checkpoint-tmp";
    private static final String OLD = ".checkpoint-old";
    private static final String STATE = "state.json";
    private static final String OPTIMIZER = "optimizer.bin";

    /**
     * Where a run stands.
     *
     * @param step optimizer steps done
     * @param epoch the epoch in progress (0-based)
     * @param nextBatch the first batch of that epoch not yet trained on
     * @param tokensSeen input tokens trained on so far
     * @param elapsedSeconds training time so far
     */
    public record State(long step, int epoch, int nextBatch, long tokensSeen, double elapsedSeconds) {}

    private TrainingCheckpoint() {}

    /** Writes a model into a folder. */
    public interface ModelWriter {
        /** Writes into {@code dir}, which exists and is empty. */
        void write(Path dir) throws IOException;
    }

    /** Saves a complete checkpoint of a language model under {@code out/checkpoint}. */
    public static void save(Path out, LanguageModel lm, ResumableAdamW optimizer, State state) {
        save(out, lm::save, optimized(lm.block()), optimizer, state);
    }

    /**
     * Saves a complete checkpoint under {@code out/checkpoint}: the model as {@code model} writes
     * it, the optimizer's moments for {@code optimized} (name to parameter), and {@code state}.
     */
    public static void save(Path out, ModelWriter model, Map<String, Parameter> optimized,
            ResumableAdamW optimizer, State state) {
        Path tmp = out.resolve(TMP);
        Path target = out.resolve(DIR);
        Path old = out.resolve(OLD);
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            model.write(tmp);
            try (DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(tmp.resolve(OPTIMIZER))))) {
                optimizer.save(optimized, dos);
            }
            AtomicFiles.writeString(tmp.resolve(STATE), new Gson().toJson(state));
            deleteTree(old);
            if (Files.exists(target)) {
                Files.move(target, old);
            }
            Files.move(tmp, target);
            deleteTree(old);
        } catch (IOException e) {
            removeQuietly(tmp, e);
            throw new UncheckedIOException("Cannot write the checkpoint in " + out + " (the last complete one"
                    + " stays): " + e, e);
        } catch (RuntimeException e) { // a model writer's own exception, e.g. a CheckpointException
            removeQuietly(tmp, e);
            throw e;
        }
    }

    /** Deletes a half-written folder, so that a full disk does not stay full; the last good checkpoint stays. */
    private static void removeQuietly(Path tmp, Exception failure) {
        try {
            deleteTree(tmp);
        } catch (IOException cleanup) {
            failure.addSuppressed(cleanup);
        }
    }

    /** The newest complete checkpoint folder in {@code out}, if any. */
    public static Optional<Path> find(Path out) {
        for (String name : new String[] {DIR, OLD}) {
            Path dir = out.resolve(name);
            if (Files.isRegularFile(dir.resolve(STATE))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** Reads {@code state.json} of a checkpoint folder. */
    public static State readState(Path dir) {
        Path file = dir.resolve(STATE);
        try {
            State s = new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), State.class);
            if (s == null) {
                throw new IllegalStateException(file + " is empty");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e, e);
        } catch (JsonParseException e) {
            throw new IllegalStateException(file + " is not a training state: " + e.getMessage(), e);
        }
    }

    /** Restores the optimizer's moments saved in checkpoint folder {@code dir} for {@code lm}. */
    public static void loadOptimizer(Path dir, LanguageModel lm, ResumableAdamW optimizer) {
        loadOptimizer(dir, optimized(lm.block()), lm.manager(), optimizer);
    }

    /** Restores the moments saved in checkpoint folder {@code dir} for {@code optimized}. */
    public static void loadOptimizer(Path dir, Map<String, Parameter> optimized, NDManager manager,
            ResumableAdamW optimizer) {
        Path file = dir.resolve(OPTIMIZER);
        try (DataInputStream dis = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            optimizer.load(optimized, manager, dis);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restore the optimizer from " + file + ": " + e, e);
        }
    }

    /**
     * The parameters training updates, by checkpoint name: the unfrozen weights of {@code model}
     * and its LoRA adapters.
     */
    public static Map<String, Parameter> optimized(CausalLm model) {
        Map<String, Parameter> all = new LinkedHashMap<>(model.namedParameters());
        all.putAll(Lora.adapterParameters(model));
        return trainable(all);
    }

    /** The entries of {@code parameters} not frozen. */
    public static Map<String, Parameter> trainable(Map<String, Parameter> parameters) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            if (v.requiresGradient()) {
                out.put(k, v);
            }
        });
        return out;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
