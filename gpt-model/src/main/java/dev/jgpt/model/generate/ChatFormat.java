package dev.jgpt.model.generate;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.jgpt.model.io.PromptFormatFile;
import dev.jgpt.model.jinja.TemplateException;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.ChatTemplate;
import dev.jgpt.model.tokenizer.PromptFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a model turns a conversation into its prompt: the prompt format stored with a model tuned
 * here in it ({@code prompt_format.json}), else the chat template of its folder ({@code
 * tokenizer_config.json} or {@code chat_template.jinja}, as HF's {@code apply_chat_template}
 * renders it), else the Alpaca format. {@code chat}, {@code serve}, {@code render-chat} and the library's callers
 * all take it from {@link #forModel}, so a model is prompted the way it was trained.
 *
 * <p>The rendered prompt holds its special tokens (Llama's {@code <|begin_of_text|>}, Qwen3's
 * {@code <|im_start|>}): encode it with {@code Tokenizer.encode}, which adds none.
 */
public final class ChatFormat {

    private final ChatTemplate template; // null: the stored prompt format
    private final PromptFormat format;

    private ChatFormat(ChatTemplate template, PromptFormat format) {
        this.template = template;
        this.format = format;
    }

    /**
     * The prompt format a tuning here stored ({@code prompt_format.json}: the model learned that
     * format, whatever template its tokenizer files carry), else the folder's chat template, else
     * the Alpaca format.
     */
    public static ChatFormat forModel(Path dir) {
        if (java.nio.file.Files.isRegularFile(dir.resolve(PromptFormatFile.FILE))) {
            return of(PromptFormatFile.read(dir));
        }
        Optional<ChatTemplate> t;
        try {
            t = ChatTemplate.read(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the chat template of " + dir + ": " + e, e);
        }
        return t.map(ChatFormat::of).orElseGet(() -> of(PromptFormatFile.read(dir)));
    }

    /** Conversations rendered with {@code template}. */
    public static ChatFormat of(ChatTemplate template) {
        return new ChatFormat(template, null);
    }

    /** Conversations rendered with {@code format}. */
    public static ChatFormat of(PromptFormat format) {
        return new ChatFormat(null, format);
    }

    /** Whether a Jinja template renders (rather than a stored prompt format). */
    public boolean hasTemplate() {
        return template != null;
    }

    /** The template, when there is one. */
    public Optional<ChatTemplate> template() {
        return Optional.ofNullable(template);
    }

    /** What renders, for messages: {@code chat template} or {@code alpaca prompt format}. */
    public String describe() {
        return template != null ? "chat template" : format.fileName() + " prompt format";
    }

    /**
     * The prompt for the assistant's next turn ({@code add_generation_prompt=True}).
     *
     * @param templateArgs more template variables ({@code enable_thinking=false} for Qwen3);
     *     refused by a stored prompt format, which has none
     * @throws IllegalArgumentException for a conversation the format cannot render: the
     *     template's own error ({@code raise_exception}) or the prompt format's rule, named
     */
    public String prompt(List<ChatMessage> messages, Map<String, ?> templateArgs) {
        return render(messages, true, templateArgs);
    }

    /**
     * The conversation as text; {@code addGenerationPrompt} false leaves the last turn closed (for
     * training data). A stored prompt format always ends with its response prefix.
     *
     * @throws IllegalArgumentException as {@link #prompt}
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> templateArgs) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("The conversation is empty");
        }
        if (template != null) {
            try {
                return template.render(messages, addGenerationPrompt, templateArgs);
            } catch (TemplateException e) {
                throw new IllegalArgumentException(e.getMessage(), e); // the template's own words (raise_exception)
            }
        }
        if (!templateArgs.isEmpty()) {
            throw new IllegalArgumentException("Template arguments " + templateArgs.keySet() + " need a chat template;"
                    + " this model uses the " + describe());
        }
        if (!addGenerationPrompt) {
            throw new IllegalArgumentException("The " + describe() + " always ends with its response prefix");
        }
        return format.render(messages);
    }

    /**
     * Template arguments from JSON ({@code chat_template_kwargs} of a request): objects, arrays,
     * strings, booleans, null and numbers (whole numbers as {@code Long}) as the template reads
     * them.
     */
    public static Map<String, Object> argumentsOf(JsonObject json) {
        Map<String, Object> out = new LinkedHashMap<>();
        json.entrySet().forEach(e -> out.put(e.getKey(), javaValue(e.getValue())));
        return out;
    }

    /** One JSON value as the template's value. */
    public static Object javaValue(JsonElement e) {
        if (e.isJsonNull()) {
            return null;
        }
        if (e.isJsonArray()) {
            List<Object> out = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> out.add(javaValue(x)));
            return out;
        }
        if (e.isJsonObject()) {
            return argumentsOf(e.getAsJsonObject());
        }
        if (e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        if (e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        java.math.BigDecimal n = e.getAsBigDecimal();
        String text = e.getAsString();
        if (!text.contains(".") && !text.contains("e") && !text.contains("E")) {
            try {
                return n.longValueExact();
            } catch (ArithmeticException tooLarge) {
                // a float, as far as it goes
            }
        }
        return n.doubleValue();
    }
}
