package dev.jgpt.model.jinja;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON as the template variables Python's {@code json.load} would give: ints, floats, dicts in order. */
final class JsonValues {

    private JsonValues() {}

    static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonArray()) {
            List<Object> out = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> out.add(toJava(x)));
            return out;
        }
        if (e.isJsonObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> out.put(x.getKey(), toJava(x.getValue())));
            return out;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        String text = p.getAsString();
        boolean integer = !text.contains(".") && !text.contains("e") && !text.contains("E");
        return integer ? (Object) new BigDecimal(text).longValueExact() : (Object) Double.parseDouble(text);
    }
}
