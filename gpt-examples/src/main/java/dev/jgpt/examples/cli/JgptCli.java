package dev.jgpt.examples.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jgpt} command. Errors print one line to stderr ({@code error: ...}) and exit with a
 * non-zero code: 1 for a failure while running, 2 for bad arguments.
 */
@Command(
        name = "jgpt",
        mixinStandardHelpOptions = true,
        version = "jgpt 0.1.0",
        description = "Build, load, train and serve GPT-2, Qwen3 and Llama 3.2 models on Deep Java Library.",
        subcommands = {
            InfoCommand.class,
            ExportCommand.class,
            DownloadCommand.class,
            CacheCommand.class,
            GenerateCommand.class,
            TokenizeCommand.class,
            DetokenizeCommand.class,
            RenderChatCommand.class,
            PretrainCommand.class,
            FinetuneClassifierCommand.class,
            ClassifyCommand.class,
            FinetuneInstructCommand.class,
            GenerateResponsesCommand.class,
            EvaluateResponsesCommand.class,
            ChatCommand.class,
            ServeCommand.class,
            BenchGenerateCommand.class,
            BenchTrainCommand.class,
            BenchServeCommand.class
        })
public final class JgptCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
    }

    /** Runs {@code args} and returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        try {
            dev.jgpt.model.Engines.checkRequestedName();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
        return execute(new CommandLine(new JgptCli()), args, out, err, JgptCli::describe);
    }

    /**
     * Runs {@code args} on {@code cli} as every jgpt program does: a failure while running is one
     * line, {@code error: } and {@code describe}'s text (the stack trace too with {@code
     * -Djgpt.debug=true}), exit 1; bad arguments are picocli's exit 2.
     */
    public static int execute(CommandLine cli, String[] args, PrintWriter out, PrintWriter err,
            java.util.function.Function<Throwable, String> describe) {
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    commandLine.getErr().println("error: " + describe.apply(ex));
                    if (Boolean.getBoolean("jgpt.debug")) {
                        ex.printStackTrace(commandLine.getErr());
                    }
                    commandLine.getErr().flush();
                    return 1;
                });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The exception's message, or its type when it has none. */
    static String describe(Throwable ex) {
        String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
    }

    /** Entry point of the runnable jar. */
    public static void main(String[] args) {
        // No usage-tracking probe at start-up unless the user asks for it.
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(args, out, err));
    }
}
