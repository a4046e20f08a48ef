package dev.jgpt.model.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a HuggingFace folder, as {@code transformers} finds them: {@code
 * model.safetensors}, else the shards that {@code model.safetensors.index.json} names (every model
 * from about 1.5B parameters up is published sharded). One name space of tensors either way.
 *
 * <p>The index is checked before any tensor is read: each shard it names must be a plain file
 * name in the folder that exists and is valid safetensors, and must hold every tensor the index
 * maps to it. A shard's tensors that the index does not name are ignored, as {@code
 * transformers} ignores them.
 */
public final class SafeTensorsFolder implements AutoCloseable {

    /** The single-file weights. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The index of sharded weights. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final long MAX_INDEX_BYTES = 64L << 20;
    private static final int MAX_SHARDS = 100_000;

    private final Path describedAs;
    private final Map<String, SafeTensors> shardOf; // tensor name -> the open shard holding it
    private final Map<String, SafeTensors.TensorInfo> tensors;
    private final Map<String, SafeTensors> open;

    private SafeTensorsFolder(Path describedAs, Map<String, SafeTensors> shardOf, Map<String, SafeTensors> open) {
        this.describedAs = describedAs;
        this.shardOf = shardOf;
        this.open = open;
        Map<String, SafeTensors.TensorInfo> t = new LinkedHashMap<>();
        shardOf.forEach((name, st) -> t.put(name, st.tensors().get(name)));
        this.tensors = Collections.unmodifiableMap(t);
    }

    /** Whether {@code dir} has weights in either form. */
    public static boolean present(Path dir) {
        return Files.exists(dir.resolve(SINGLE_FILE)) || Files.exists(dir.resolve(INDEX_FILE));
    }

    /**
     * Opens the weights of {@code dir} and validates every header (and the index).
     *
     * @throws CheckpointException naming the file at fault: neither form present, a malformed
     *     index, a shard absent, truncated or not holding a tensor the index maps to it
     */
    public static SafeTensorsFolder open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.exists(single)) {
            SafeTensors st = SafeTensors.open(single);
            Map<String, SafeTensors> shardOf = new LinkedHashMap<>();
            st.tensors().keySet().forEach(name -> shardOf.put(name, st));
            return new SafeTensorsFolder(single, shardOf, Map.of(single.getFileName().toString(), st));
        }
        Path index = dir.resolve(INDEX_FILE);
        if (!Files.exists(index)) {
            throw new CheckpointException("No weights in " + dir + ": expected " + SINGLE_FILE + " or " + INDEX_FILE);
        }
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafeTensors> open = new TreeMap<>();
        try {
            Map<String, SafeTensors> shardOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shard = e.getValue();
                SafeTensors st = open.get(shard);
                if (st == null) {
                    Path file = dir.resolve(shard);
                    if (!Files.isRegularFile(file)) {
                        throw new CheckpointException(index + ": shard '" + shard + "' (holding '" + e.getKey()
                                + "') is not in " + dir);
                    }
                    st = SafeTensors.open(file);
                    open.put(shard, st);
                }
                if (!st.tensors().containsKey(e.getKey())) {
                    throw new CheckpointException(index + ": tensor '" + e.getKey() + "' is mapped to shard '"
                            + shard + "', which does not hold it (" + st.tensors().size() + " tensors there)");
                }
                shardOf.put(e.getKey(), st);
            }
            return new SafeTensorsFolder(index, shardOf, open);
        } catch (RuntimeException e) {
            open.values().forEach(SafeTensors::close);
            throw e;
        }
    }

    /** The index's {@code weight_map}: tensor name to shard file name, in the index's order. */
    private static Map<String, String> readWeightMap(Path index) {
        JsonObject json;
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) {
                throw new CheckpointException(index + ": " + Files.size(index) + " bytes, more than an index"
                        + " can need (" + MAX_INDEX_BYTES + ")");
            }
            json = StrictJson.parseObject(Files.readString(index, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Weights index not found: " + index, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read " + index + ": " + e, e);
        } catch (StrictJson.DuplicateKeyException e) {
            throw new CheckpointException(index + ": the key " + e.getMessage() + " is given twice", e);
        } catch (JsonParseException e) {
            throw new CheckpointException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonElement map = json.get("weight_map");
        if (map == null || !map.isJsonObject()) {
            throw new CheckpointException(index + ": expected an object 'weight_map' (tensor name -> shard file)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        java.util.Set<String> shards = new java.util.HashSet<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointException(index + ": weight_map['" + e.getKey() + "'] must be a file name, got " + v);
            }
            String shard = v.getAsString();
            if (!isPlainFileName(shard)) {
                throw new CheckpointException(index + ": weight_map['" + e.getKey() + "'] names '" + shard
                        + "', which is not a file name in the model folder");
            }
            shards.add(shard);
            if (shards.size() > MAX_SHARDS) {
                throw new CheckpointException(index + ": more than " + MAX_SHARDS + " shards");
            }
            out.put(e.getKey(), shard);
        }
        if (out.isEmpty()) {
            throw new CheckpointException(index + ": 'weight_map' names no tensor");
        }
        return out;
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0 && name.indexOf(':') < 0;
    }

    /** The file to name in messages about the weights as a whole: the single file or the index. */
    public Path file() {
        return describedAs;
    }

    /** The file holding tensor {@code name}, for messages about that tensor. */
    public Path fileOf(String name) {
        SafeTensors st = shardOf.get(name);
        return st == null ? describedAs : st.file();
    }

    /** Every tensor by name, in the file's (or the index's) order. */
    public Map<String, SafeTensors.TensorInfo> tensors() {
        return tensors;
    }

    /** The values of every tensor, summed exactly. */
    public long valueCount() {
        long n = 0;
        for (SafeTensors.TensorInfo t : tensors.values()) {
            n = Math.addExact(n, t.size());
        }
        return n;
    }

    /**
     * Reads tensor {@code name} as float32 ({@link SafeTensors#readFloats}).
     *
     * @throws CheckpointException if it is missing, not floating point, or unreadable
     */
    public float[] readFloats(String name) {
        SafeTensors st = shardOf.get(name);
        if (st == null) {
            throw new CheckpointException(describedAs + ": no tensor named '" + name + "'");
        }
        return st.readFloats(name);
    }

    @Override
    public void close() {
        open.values().forEach(SafeTensors::close);
    }
}
