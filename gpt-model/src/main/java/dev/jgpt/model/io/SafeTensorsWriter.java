package dev.jgpt.model.io;

import com.google.gson.Gson;
import dev.jgpt.model.files.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes float tensors in the safetensors format as F32, F16 or BF16, atomically (a temporary
 * file in the same folder, then a rename). Used to export a model in the HuggingFace layout: one
 * {@code model.safetensors}, or shards and their {@code model.safetensors.index.json} as {@code
 * transformers}' {@code save_pretrained} writes them ({@link #writeFolder}).
 *
 * <p>A tensor's values may be given as a supplier, asked for only while its bytes are written,
 * so exporting a model holds one tensor at a time on the Java heap, never the whole model.
 */
public final class SafeTensorsWriter {

    /** The element types this writer can produce. */
    public enum DType {
        F32(4),
        F16(2),
        BF16(2);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** The engine-neutral type of the same name ({@code FLOAT32}, {@code FLOAT16}, {@code BFLOAT16}). */
        public ai.djl.ndarray.types.DataType dataType() {
            return switch (this) {
                case F32 -> ai.djl.ndarray.types.DataType.FLOAT32;
                case F16 -> ai.djl.ndarray.types.DataType.FLOAT16;
                case BF16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
            };
        }

        /**
         * The file type for {@code type}.
         *
         * @throws IllegalArgumentException for a type safetensors files are not written in here
         */
        public static DType of(ai.djl.ndarray.types.DataType type) {
            for (DType d : values()) {
                if (d.dataType() == type) {
                    return d;
                }
            }
            throw new IllegalArgumentException("Weights are written as F32, F16 or BF16, not " + type);
        }
    }

    /** The shard size {@code save_pretrained} uses by default (5 GB). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private record Entry(String name, long[] shape, long count, Supplier<float[]> data, DType dtype) {
        long bytes() {
            return count * dtype.bytes;
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Adds a tensor; {@code data} is row-major with {@code shape}. */
    public SafeTensorsWriter add(String name, long[] shape, float[] data, DType dtype) {
        long n = count(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("Tensor '" + name + "': shape " + SafeTensors.formatShape(shape)
                    + " holds " + n + " values, got " + data.length);
        }
        return add(name, shape, dtype, () -> data);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Adds a tensor whose row-major values {@code data} gives when the tensor is written (once per
     * write).
     */
    public SafeTensorsWriter add(String name, long[] shape, DType dtype, Supplier<float[]> data) {
        long n = count(shape);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Tensor '" + name + "': shape " + SafeTensors.formatShape(shape)
                    + " holds more values than one array can");
        }
        entries.add(new Entry(name, shape.clone(), n, data, dtype));
        return this;
    }

    /** Writes the file, replacing {@code file} only once it is complete. */
    public void write(Path file) throws IOException {
        write(file, entries);
    }

    /**
     * Writes the tensors into {@code dir} the way {@code save_pretrained} does: one {@code
     * model.safetensors} when they fit in {@code maxShardBytes}, else {@code
     * model-00001-of-0000N.safetensors} shards filled in order (a tensor larger than the limit
     * alone in its shard) and {@code model.safetensors.index.json} mapping each tensor to its
     * shard, written last. Weights of the other form left from an earlier export are removed,
     * so the folder loads what was written now.
     *
     * @return the files written, the index last
     */
    public List<Path> writeFolder(Path dir, long maxShardBytes) throws IOException {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("The shard size must be positive, got " + maxShardBytes);
        }
        Files.createDirectories(dir);
        List<List<Entry>> shards = new ArrayList<>();
        long inShard = 0;
        for (Entry e : entries) {
            if (shards.isEmpty() || (inShard > 0 && inShard + e.bytes() > maxShardBytes)) {
                shards.add(new ArrayList<>());
                inShard = 0;
            }
            shards.get(shards.size() - 1).add(e);
            inShard += e.bytes();
        }
        Path index = dir.resolve(SafeTensorsFolder.INDEX_FILE);
        Path single = dir.resolve(SafeTensorsFolder.SINGLE_FILE);
        if (shards.size() <= 1) {
            write(single, entries);
            Files.deleteIfExists(index);
            deleteShardsBut(dir, List.of());
            return List.of(single);
        }
        Files.deleteIfExists(single); // it would win over the index on load
        List<Path> written = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format(java.util.Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(dir.resolve(name), shards.get(i));
            written.add(dir.resolve(name));
            for (Entry e : shards.get(i)) {
                weightMap.put(e.name(), name);
                total += e.bytes();
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("metadata", Map.of("total_size", total));
        json.put("weight_map", weightMap);
        AtomicFiles.writeString(index, new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(json));
        written.add(index);
        deleteShardsBut(dir, written);
        return written;
    }

    /** Removes the shards of an earlier export that {@code keep} does not list. */
    private static void deleteShardsBut(Path dir, List<Path> keep) throws IOException {
        try (java.util.stream.Stream<Path> old = Files.list(dir)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                if (p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors") && !keep.contains(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void write(Path file, List<Entry> entries) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Entry e : entries) {
            long size = e.bytes();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().name());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + size});
            header.put(e.name(), info);
            offset += size;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, tmp -> {
            try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                os.write(len.putLong(json.length).array());
                os.write(json);
                for (Entry e : entries) {
                    float[] data = e.data().get();
                    if (data.length != e.count()) {
                        throw new IllegalArgumentException("Tensor '" + e.name() + "': shape "
                                + SafeTensors.formatShape(e.shape()) + " holds " + e.count() + " values, got "
                                + data.length);
                    }
                    encode(os, data, e.dtype());
                }
            }
        });
    }

    /** Writes {@code data} as {@code dtype}, little-endian, through a bounded buffer. */
    private static void encode(OutputStream os, float[] data, DType dtype) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            if (buf.remaining() < dtype.bytes) {
                os.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            switch (dtype) {
                case F32:
                    buf.putFloat(f);
                    break;
                case F16:
                    buf.putShort(floatToHalf(f));
                    break;
                case BF16:
                    buf.putShort(floatToBfloat16(f));
                    break;
                default:
                    throw new IllegalStateException(dtype.name());
            }
        }
        os.write(buf.array(), 0, buf.position());
    }

    /** binary32 to bfloat16 (the top 16 bits), round to nearest even; NaN stays NaN. */
    public static short floatToBfloat16(float f) {
        int bits = Float.floatToIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** binary32 to binary16, round to nearest even; overflow goes to infinity. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }
}
