package dev.jgpt.examples.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.io.StrictJson;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.ChatTemplate;
import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jgpt render-chat}: a conversation as the prompt text a model folder's chat template
 * makes of it (HF's {@code apply_chat_template}), or the folder's stored prompt format when it
 * has no template; optionally its token ids.
 */
@Command(name = "render-chat", mixinStandardHelpOptions = true,
        description = "Print the prompt a model folder's chat template makes of a conversation"
                + " (--print-ids: and its token ids, comma-separated, as the last line).")
final class RenderChatCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "A model folder or Hub repository (tokenizer_config.json's chat_template or chat_template.jinja).")
    String modelRef;

    @Option(names = "--messages", required = true,
            description = "A JSON file: an array of {\"role\": ..., \"content\": ...}.")
    Path messages;

    @Option(names = "--no-generation-prompt",
            description = "Do not end with the start of the assistant's turn (add_generation_prompt=False).")
    boolean noGenerationPrompt;

    @CommandLine.Mixin TemplateArgsOption templateArgs;

    @Option(names = "--print-ids", description = "Also print the rendered prompt's token ids (no special tokens"
            + " added: the template wrote them).")
    boolean printIds;

    @Override
    public Integer call() throws IOException {
        Path model = ModelSource.folder(modelRef).orElseThrow(() -> new IllegalArgumentException("--model " + modelRef
                + " is not a model folder or a Hub repository"));
        List<ChatMessage> conversation = readMessages(messages);
        ChatFormat format = ChatFormat.forModel(model);
        Map<String, Object> args = templateArgs.values();
        if (!format.hasTemplate() && !args.isEmpty()) {
            spec.commandLine().getErr().println("note: " + model + " has no chat template (it uses the "
                    + format.describe() + "); --template-arg is ignored");
            args = Map.of();
        }
        String text = format.render(conversation, !noGenerationPrompt, args);
        spec.commandLine().getOut().print(text);
        if (printIds) {
            try (Tokenizer tokenizer = ModelSource.tokenizer(modelRef)) {
                long[] ids = tokenizer.encode(text);
                spec.commandLine().getOut().println();
                spec.commandLine().getErr().printf("%d tokens%n", ids.length);
                spec.commandLine().getOut().println(
                        java.util.Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",")));
            }
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The conversation in {@code file}: a JSON array of objects with string {@code role} and {@code content}. */
    static List<ChatMessage> readMessages(Path file) throws IOException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Messages file not found: " + file, e);
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(file + " is not valid UTF-8", e);
        }
        JsonElement root;
        try {
            root = StrictJson.parse(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException(file + ": expected a JSON array of {\"role\": ..., \"content\": ...}");
        }
        List<ChatMessage> out = new ArrayList<>();
        int i = 0;
        for (JsonElement e : root.getAsJsonArray()) {
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException(file + ": message " + i + " is not an object");
            }
            JsonObject o = e.getAsJsonObject();
            out.add(new ChatMessage(field(o, "role", file, i), field(o, "content", file, i)));
            i++;
        }
        return out;
    }

    private static String field(JsonObject o, String name, Path file, int index) {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException(file + ": message " + index + " has no '" + name + "' string");
        }
        return e.getAsString();
    }

}
