package dev.jgpt.examples.cli;

import dev.jgpt.examples.serve.CompletionService;
import dev.jgpt.model.generate.ContinuousBatcher;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the server shares the model between requests: {@code --scheduler batch} (default: one
 * decode loop, {@code --max-batch} sequences per forward pass, prompts run {@code
 * --prefill-chunk} tokens per step) or {@code --scheduler per-slot} ({@code --max-concurrency}
 * requests each decoding alone).
 */
final class SchedulerOptions {

    static final int DEFAULT_MAX_BATCH = 8;
    static final int DEFAULT_SLOTS = 2;

    @Option(names = "--scheduler", defaultValue = "batch", paramLabel = "batch|per-slot",
            description = "batch: continuous batching, every running request in one forward pass per step;"
                    + " per-slot: each request decodes alone in its slot (default: ${DEFAULT-VALUE}).")
    String scheduler;

    @Option(names = "--max-batch", description = "With --scheduler batch: the most requests generating at once,"
            + " all in one forward pass; bounds the key/value cache to this many rows (default: "
            + DEFAULT_MAX_BATCH + ").")
    Integer maxBatch;

    @Option(names = "--max-concurrency", description = "With --scheduler per-slot: generations at once, each"
            + " alone (default: " + DEFAULT_SLOTS + ").")
    Integer maxConcurrency;

    @Option(names = "--prefill-chunk", defaultValue = "" + ContinuousBatcher.DEFAULT_PREFILL_CHUNK,
            description = "With --scheduler batch: prompt tokens run per step while a request joins, so a long"
                    + " prompt holds up running streams by at most one chunk (default: ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--max-length", defaultValue = "0", description = "The most tokens a request may have, prompt"
            + " and completion, which bounds each sequence's key/value cache (with --max-batch, the whole cache);"
            + " 0: the model's context (default: ${DEFAULT-VALUE}).")
    int maxLength;

    /** The scheduler called {@code name} ({@code batch} or {@code per-slot}). */
    static CompletionService.Scheduler parse(CommandLine cmd, String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "batch" -> CompletionService.Scheduler.BATCH;
            case "per-slot" -> CompletionService.Scheduler.PER_SLOT;
            default -> throw new CommandLine.ParameterException(cmd,
                    "--scheduler must be batch or per-slot, got '" + name + "'");
        };
    }

    /** The scheduling named, after checking the options that go with it. */
    CompletionService.Scheduling scheduling(CommandLine cmd) {
        CompletionService.Scheduler s = parse(cmd, scheduler);
        if (s == CompletionService.Scheduler.BATCH && maxConcurrency != null) {
            throw new CommandLine.ParameterException(cmd,
                    "--max-concurrency is for --scheduler per-slot; the batch scheduler takes --max-batch");
        }
        if (s == CompletionService.Scheduler.PER_SLOT && maxBatch != null) {
            throw new CommandLine.ParameterException(cmd, "--max-batch is for --scheduler batch");
        }
        return schedulingFor(cmd, s);
    }

    /** {@code s} with its size from {@code --max-batch} or {@code --max-concurrency} (a run comparing both). */
    CompletionService.Scheduling schedulingFor(CommandLine cmd, CompletionService.Scheduler s) {
        int concurrency = s == CompletionService.Scheduler.BATCH ? (maxBatch == null ? DEFAULT_MAX_BATCH : maxBatch)
                : (maxConcurrency == null ? DEFAULT_SLOTS : maxConcurrency);
        if (concurrency < 1 || prefillChunk < 1) {
            throw new CommandLine.ParameterException(cmd,
                    "--max-batch, --max-concurrency and --prefill-chunk must be >= 1");
        }
        if (maxLength < 0) {
            throw new CommandLine.ParameterException(cmd, "--max-length must be >= 1 (or 0 for the model's context)");
        }
        return new CompletionService.Scheduling(s, concurrency, prefillChunk, maxLength);
    }
}
