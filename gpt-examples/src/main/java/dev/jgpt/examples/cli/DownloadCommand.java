package dev.jgpt.examples.cli;

import dev.jgpt.model.hub.HubReference;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgpt download}: a Hub model into the HuggingFace cache, refreshed to the revision's latest commit. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Download a model from the HuggingFace Hub into the HuggingFace cache (or bring it up to date)"
                + " and print its snapshot folder.")
final class DownloadCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1", description = "A repository id, e.g. Qwen/Qwen3-0.6B (or gpt2, gpt2-medium, ...).")
    String repo;

    @Option(names = "--revision", description = "A branch, tag or commit (default: main, or the one after '@').")
    String revision;

    @Override
    public Integer call() {
        String ref = revision == null ? repo : repo + "@" + revision;
        HubReference reference = HubReference.parse(ref).orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "'" + ref + "' is not a Hub repository id (owner/name[@revision])"));
        Path snapshot = ModelSource.hub().download(reference);
        spec.commandLine().getOut().println(snapshot);
        return 0;
    }
}
