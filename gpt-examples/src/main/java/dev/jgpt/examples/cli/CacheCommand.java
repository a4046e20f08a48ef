package dev.jgpt.examples.cli;

import dev.jgpt.model.hub.HubCache;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jgpt cache}: the models in the HuggingFace cache (shared with Python), with their sizes. */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "List the models in the HuggingFace cache with their sizes, revisions and snapshots.")
final class CacheCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        HubCache cache = ModelSource.hub().cache();
        PrintWriter out = spec.commandLine().getOut();
        List<HubCache.CachedModel> models = cache.list();
        out.printf("%s: %d model%s%n", cache.root(), models.size(), models.size() == 1 ? "" : "s");
        long total = 0;
        for (HubCache.CachedModel m : models) {
            total += m.bytes();
            out.printf(Locale.ROOT, "%-48s %10.1f MB  refs %s  snapshots %s%n", m.repoId(), m.bytes() / 1e6,
                    m.refs().isEmpty() ? "-" : String.join(" ", m.refs()),
                    m.snapshots().isEmpty() ? "-" : String.join(" ", m.snapshots()));
        }
        out.printf(Locale.ROOT, "total %.1f MB%n", total / 1e6);
        return 0;
    }
}
