package dev.jgpt.examples.cli;

import com.google.gson.JsonParseException;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.io.StrictJson;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --template-arg NAME=VALUE}: chat-template variables, shared by the commands that render a template. */
final class TemplateArgsOption {

    @Option(names = "--template-arg", paramLabel = "NAME=VALUE",
            description = "A variable for the chat template, e.g. enable_thinking=false; VALUE is read as JSON when it"
                    + " is valid JSON, else as a string. Repeatable.")
    Map<String, String> raw = new LinkedHashMap<>();

    /** Whether none was given. */
    boolean isEmpty() {
        return raw.isEmpty();
    }

    /** Each value as JSON if it is valid JSON ({@code false}, {@code 3}, {@code "x"}), else as the string. */
    Map<String, Object> values() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            Object value;
            try {
                value = ChatFormat.javaValue(StrictJson.parse(e.getValue()));
            } catch (JsonParseException notJson) {
                value = e.getValue();
            }
            out.put(e.getKey(), value);
        }
        return out;
    }
}
