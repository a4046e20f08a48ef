package dev.jgpt.examples.cli;

import dev.jgpt.training.InstructionResponses;
import dev.jgpt.training.ResponseJudge;
import dev.jgpt.training.TextOverlap;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt evaluate-responses}: score model responses with a judge model and offline metrics. */
@Command(name = "evaluate-responses", mixinStandardHelpOptions = true,
        description = "Score responses (a JSON array with instruction, input, output and model_response)"
                + " 0-100 with a judge model, and by exact match / token F1 against the output.")
final class EvaluateResponsesCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--responses", required = true, description = "The JSON file (e.g. RUN/test-responses.json).")
    Path responses;

    @Option(names = "--key", defaultValue = "model_response", description = "The field holding the response (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--judge-url",
            description = "The judge's endpoint, e.g. http://localhost:11434 (Ollama) or https://api.openai.com/v1/chat/completions; without it only the offline metrics are computed.")
    URI judgeUrl;

    @Option(names = "--judge-api", defaultValue = "OLLAMA", description = "OLLAMA (/api/chat) or OPENAI (chat completions) (default: ${DEFAULT-VALUE}).")
    ResponseJudge.Api api;

    @Option(names = "--judge-model", defaultValue = "llama3", description = "The judge model's name (default: ${DEFAULT-VALUE}).")
    String judgeModel;

    @Option(names = "--api-key-env", defaultValue = "OPENAI_API_KEY",
            description = "Environment variable holding a bearer token, if set (default: ${DEFAULT-VALUE}).")
    String apiKeyEnv;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds per judge request (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<InstructionResponses.Response> entries = InstructionResponses.read(responses, key);
        TextOverlap.Summary s = TextOverlap.summarize(entries);
        o.printf(Locale.ROOT, "%d responses; exact match %.1f%%, token F1 %.3f (offline)%n", s.count(),
                100 * s.exactMatch(), s.tokenF1());
        if (judgeUrl == null) {
            return 0;
        }
        ResponseJudge judge = new ResponseJudge(judgeUrl, judgeModel, api, System.getenv(apiKeyEnv),
                Duration.ofSeconds(timeoutSeconds));
        long sum = 0;
        int scored = 0;
        for (int i = 0; i < entries.size(); i++) {
            InstructionResponses.Response r = entries.get(i);
            OptionalInt score = judge.score(r.example(), r.modelResponse());
            if (score.isPresent()) {
                sum += score.getAsInt();
                scored++;
            } else {
                o.printf("entry %d: the judge's answer holds no score in 0..100%n", i);
            }
            err.printf("\rscoring %d/%d ", i + 1, entries.size());
            err.flush();
        }
        err.print("\r");
        o.printf(Locale.ROOT, "judge %s at %s: number of scores %d of %d, average score %.2f%n", judgeModel,
                judge.endpoint(), scored, entries.size(), scored == 0 ? Double.NaN : sum / (double) scored);
        return 0;
    }
}
