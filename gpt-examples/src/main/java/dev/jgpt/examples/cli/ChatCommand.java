package dev.jgpt.examples.cli;

import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.ChatSession;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.io.PromptFormatFile;
import dev.jgpt.model.tokenizer.PromptFormat;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jgpt chat}: an interactive prompt for an instruction-tuned model. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model: with its folder's chat template (Qwen3, Llama 3.2) the conversation is"
                + " kept and rendered whole each turn (/reset clears it); otherwise each line is wrapped in the Alpaca"
                + " prompt of a model tuned here ('instruction || input' fills the input field). /exit or end of"
                + " input quits.")
final class ChatCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DeviceOption device;

    @CommandLine.Mixin SamplingOptions samplingOptions;

    @CommandLine.Mixin DtypeOption dtype;

    @Option(names = "--model", required = true, description = "A model folder (e.g. RUN/model from finetune-instruct).")
    String model;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--system", description = "A system message opening the conversation (models with a chat template).")
    String system;

    @CommandLine.Mixin TemplateArgsOption templateArgs;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        SamplingConfig sampling;
        try {
            samplingOptions.validate(maxNewTokens);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        sampling = samplingOptions.config(maxNewTokens, ModelSource.generationConfig(model), false);
        try (LanguageModel lm = dtype.convert(ModelSource.load(model, device.device())); Tokenizer tokenizer = ModelSource.tokenizer(model)) {
            TextGenerator generator = new TextGenerator(lm, tokenizer);
            sampling = sampling.withEndIdsOf(tokenizer); // every end id the model's tokenizer has
            ChatFormat chat = ChatFormat.forModel(ModelSource.path(model));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (chat.hasTemplate()) {
                return converse(o, in, new ChatSession(generator, tokenizer, chat, lm.config().contextLength(),
                        templateArgs.values(), system), sampling);
            }
            PromptFormat format = PromptFormatFile.read(ModelSource.path(model));
            o.println("Instruction-tuned chat (Alpaca format). Type an instruction, 'instruction || input', or /exit.");
            while (true) {
                o.print("> ");
                o.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                int split = line.indexOf("||");
                String instruction = split < 0 ? line.strip() : line.substring(0, split).strip();
                String input = split < 0 ? "" : line.substring(split + 2).strip();
                // the response header is part of the prompt, so the stream is the response itself
                String prompt = format.prompt(instruction, input);
                generator.generate(prompt, sampling, piece -> {
                    o.print(piece);
                    o.flush();
                });
                o.println();
            }
        }
        return 0;
    }

    /** A conversation rendered by the model's chat template, kept across turns; /reset starts over. */
    private static int converse(PrintWriter o, BufferedReader in, ChatSession session, SamplingConfig sampling)
            throws java.io.IOException {
        o.println("Chat (the model's chat template; the conversation is kept). Type a message, /reset, or /exit.");
        while (true) {
            o.print("> ");
            o.flush();
            String line = in.readLine();
            if (line == null || line.strip().equals("/exit")) {
                return 0;
            }
            if (line.strip().equals("/reset")) {
                session.reset();
                o.println("(conversation cleared)");
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            int dropped = session.droppedExchanges();
            try {
                session.reply(line.strip(), sampling, piece -> {
                    o.print(piece);
                    o.flush();
                });
            } catch (IllegalArgumentException e) {
                o.println("error: " + e.getMessage());
                continue;
            }
            o.println();
            if (session.droppedExchanges() > dropped) {
                o.println("(the oldest exchanges were dropped to fit the model's context)");
            }
        }
    }
}
