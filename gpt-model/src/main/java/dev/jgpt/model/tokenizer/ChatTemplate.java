package dev.jgpt.model.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.jgpt.model.jinja.Template;
import dev.jgpt.model.jinja.TemplateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model folder's chat template, rendered as HF's {@code apply_chat_template(messages,
 * tokenize=False)} renders it: the Jinja source from {@code chat_template.jinja} if the folder
 * has one (newer transformers save it there, and it overrides the config, as in transformers),
 * else {@code tokenizer_config.json}'s {@code chat_template} (a string, or a list of {@code {name,
 * template}} of which {@code default} is used); the variables {@code messages}, {@code
 * add_generation_prompt}, {@code tools} and {@code documents} (none), the special tokens the
 * config names ({@code bos_token}, {@code eos_token}, ...), and the caller's template arguments
 * (Qwen3's {@code enable_thinking}). The rendered text holds the special tokens as text: encode
 * it with {@link Tokenizer#encode}, which adds none.
 */
public final class ChatTemplate {

    /** Where newer transformers save the template, beside {@code tokenizer_config.json}. */
    public static final String TEMPLATE_FILE = "chat_template.jinja";

    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    private final String source;
    private final Template template;
    private final Map<String, String> specialTokens;

    private ChatTemplate(String source, Template template, Map<String, String> specialTokens) {
        this.source = source;
        this.template = template;
        this.specialTokens = specialTokens;
    }

    /**
     * A template from its Jinja source, with the special tokens it may use ({@code bos_token} and
     * such; none may be absent).
     *
     * @throws TemplateException if the source does not parse
     */
    public static ChatTemplate of(String source, Map<String, String> specialTokens) {
        return new ChatTemplate(source, Template.parse(source),
                Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens)));
    }

    /**
     * The chat template of a model folder, or empty when it has none.
     *
     * @throws IllegalArgumentException naming the file and field for malformed content, or the
     *     template's line for a template that does not parse
     */
    public static Optional<ChatTemplate> read(Path modelDir) throws IOException {
        Path configFile = modelDir.resolve(HfTokenizer.TOKENIZER_CONFIG_FILE);
        JsonObject config = null;
        if (Files.isRegularFile(configFile)) {
            try {
                config = JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8))
                        .getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IllegalArgumentException(configFile + " is not a JSON object: " + e.getMessage(), e);
            }
        }
        Path jinjaFile = modelDir.resolve(TEMPLATE_FILE);
        String source;
        String where;
        if (Files.isRegularFile(jinjaFile)) {
            source = Files.readString(jinjaFile, StandardCharsets.UTF_8);
            where = jinjaFile.toString();
        } else {
            source = config == null ? null : templateField(config, configFile);
            where = configFile + ": chat_template";
        }
        if (source == null) {
            return Optional.empty();
        }
        Map<String, String> tokens = config == null ? Map.of() : specialTokens(config, configFile);
        try {
            return Optional.of(of(source, tokens));
        } catch (TemplateException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static String templateField(JsonObject config, Path file) {
        JsonElement e = config.get("chat_template");
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            return e.getAsString();
        }
        if (e.isJsonArray()) {
            for (JsonElement item : e.getAsJsonArray()) {
                if (!item.isJsonObject() || !isString(item.getAsJsonObject().get("name"))
                        || !isString(item.getAsJsonObject().get("template"))) {
                    throw new IllegalArgumentException(file + ": chat_template must be a string or a list of"
                            + " {\"name\": ..., \"template\": ...}, got " + item);
                }
                if (item.getAsJsonObject().get("name").getAsString().equals("default")) {
                    return item.getAsJsonObject().get("template").getAsString();
                }
            }
            throw new IllegalArgumentException(file + ": chat_template lists no template named 'default'");
        }
        throw new IllegalArgumentException(file + ": chat_template must be a string or a list of"
                + " {\"name\": ..., \"template\": ...}, got " + e);
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** The special tokens the config names, each a string or an AddedToken ({@code {"content": ...}}). */
    private static Map<String, String> specialTokens(JsonObject config, Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String field : SPECIAL_TOKENS) {
            JsonElement e = config.get(field);
            if (e == null || e.isJsonNull()) {
                continue;
            }
            if (isString(e)) {
                out.put(field, e.getAsString());
            } else if (e.isJsonObject() && isString(e.getAsJsonObject().get("content"))) {
                out.put(field, e.getAsJsonObject().get("content").getAsString());
            } else {
                throw new IllegalArgumentException(file + ": " + field
                        + " must be a token string or {\"content\": ...}, got " + e);
            }
        }
        return out;
    }

    /**
     * The prompt text of a conversation.
     *
     * @param addGenerationPrompt whether to end with the start of an assistant turn
     * @param templateArgs more variables (e.g. {@code enable_thinking=false}), which may also
     *     override a special token; maps, lists, strings, numbers, booleans and null
     * @throws dev.jgpt.model.jinja.TemplateException for an error of the template, e.g. its own
     *     {@code raise_exception("Conversation roles must alternate ...")}
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> templateArgs) {
        List<Object> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            list.add(message);
        }
        return renderMessages(list, addGenerationPrompt, templateArgs);
    }

    /**
     * As {@link #render}, for messages as maps: {@code role}, {@code content}, and what else a
     * template reads ({@code tool_calls}, {@code reasoning_content}).
     */
    public String renderMessages(List<?> messages, boolean addGenerationPrompt, Map<String, ?> templateArgs) {
        for (String reserved : List.of("messages", "add_generation_prompt")) {
            if (templateArgs.containsKey(reserved)) {
                throw new IllegalArgumentException("'" + reserved + "' is not a template argument: it is set by"
                        + " the call");
            }
        }
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", messages);
        vars.put("tools", null);
        vars.put("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.putAll(specialTokens);
        vars.putAll(templateArgs);
        return template.render(vars);
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /** The special tokens the template sees, by variable name. */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }
}
