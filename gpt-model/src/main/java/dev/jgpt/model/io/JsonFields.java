package dev.jgpt.model.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Strict reads of {@code config.json} fields: each of its JSON type (a number is never a string,
 * an array or a fraction where an integer is meant), reported as written, the field named.
 */
public final class JsonFields {

    private JsonFields() {}

    /** A required exact integer in {@code 1 .. Integer.MAX_VALUE}. */
    public static int positiveInt(JsonObject obj, String name) {
        JsonElement e = obj.get(name);
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("Model config is missing the field '" + name + "'");
        }
        return positiveInt(name, e);
    }

    /** An optional exact integer in {@code 1 .. Integer.MAX_VALUE}, {@code fallback} when absent. */
    public static int positiveInt(JsonObject obj, String name, int fallback) {
        JsonElement e = obj.get(name);
        return e == null || e.isJsonNull() ? fallback : positiveInt(name, e);
    }

    private static int positiveInt(String name, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("Model config field '" + name + "' must be a number, got " + e);
        }
        try {
            int i = e.getAsBigDecimal().intValueExact();
            if (i >= 1) {
                return i;
            }
        } catch (ArithmeticException ignored) {
            // not an integer, or beyond int: reported below as written
        }
        throw new IllegalArgumentException("Model config field '" + name + "' must be an integer from 1 to "
                + Integer.MAX_VALUE + ", got " + e);
    }

    /** An optional finite number, {@code fallback} when absent. */
    public static double number(JsonObject obj, String name, double fallback) {
        JsonElement e = obj.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !Double.isFinite(e.getAsDouble())) {
            throw new IllegalArgumentException("Model config field '" + name + "' must be a finite number, got " + e);
        }
        return e.getAsDouble();
    }

    /** A required finite number. */
    public static double number(JsonObject obj, String name) {
        if (!obj.has(name) || obj.get(name).isJsonNull()) {
            throw new IllegalArgumentException("Model config is missing the field '" + name + "'");
        }
        return number(obj, name, 0);
    }

    /** An optional boolean, {@code fallback} when absent. */
    public static boolean bool(JsonObject obj, String name, boolean fallback) {
        JsonElement e = obj.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("Model config field '" + name + "' must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    /** An optional string, {@code fallback} when absent. */
    public static String string(JsonObject obj, String name, String fallback) {
        JsonElement e = obj.get(name);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("Model config field '" + name + "' must be a string, got " + e);
        }
        return e.getAsString();
    }
}
