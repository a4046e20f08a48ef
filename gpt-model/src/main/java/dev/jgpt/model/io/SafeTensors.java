package dev.jgpt.model.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A reader for the safetensors format: an 8-byte little-endian header length, a JSON header
 * mapping each tensor name to its dtype, shape and byte range, then the raw data.
 *
 * <p>The header is checked as strictly as the reference implementation checks it, when the file
 * is opened, so a truncated, inconsistent or ambiguous file fails before any weight is read: each
 * name once, every field of its JSON type, sizes in overflow-safe arithmetic, each tensor's byte
 * range equal to dtype x shape, and the ranges, sorted, starting at 0, without gaps or overlaps,
 * covering the data section exactly. Tensors are read one at a time through a
 * memory map (files over 2 GB work; each tensor must be under 2 GB) and converted to float32:
 * F32, F16, BF16 and F64 are accepted.
 */
public final class SafeTensors implements AutoCloseable {

    /** The largest header this reader accepts (real GPT-2 headers are a few tens of KB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    /** The dtypes of the format and their widths in bytes. */
    private static final Map<String, Integer> DTYPE_BYTES =
            Map.ofEntries(
                    Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2),
                    Map.entry("BF16", 2), Map.entry("I64", 8), Map.entry("I32", 4),
                    Map.entry("I16", 2), Map.entry("I8", 1), Map.entry("U8", 1),
                    Map.entry("BOOL", 1));

    /**
     * One tensor's entry in the header.
     *
     * @param name the tensor's name
     * @param dtype its safetensors dtype, e.g. {@code F32}
     * @param shape its shape
     * @param begin first byte, relative to the start of the data section
     * @param end one past the last byte
     */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {

        /** Number of elements (checked not to overflow when the header was read). */
        public long size() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        /** The shape as {@code (a, b)}. */
        public String shapeString() {
            return formatShape(shape);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> t) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = t;
    }

    /**
     * Opens {@code file} and validates its header.
     *
     * @throws CheckpointException if the file is missing, truncated or malformed
     */
    public static SafeTensors open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("Checkpoint file not found: " + file, e);
        } catch (IOException e) {
            throw new CheckpointException("Cannot open checkpoint file " + file + ": " + e, e);
        }
        try {
            return readHeader(file, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafeTensors readHeader(Path file, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new CheckpointException(
                        file + " is truncated: " + fileSize + " bytes, too short for a header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 0 || headerLen > fileSize - 8) {
                throw new CheckpointException(
                        file
                                + ": header length "
                                + Long.toUnsignedString(headerLen)
                                + " runs past the end of the file ("
                                + fileSize
                                + " bytes); the file is truncated or not safetensors");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException(
                        file + ": header length " + headerLen + " is implausibly large");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(channel, headerBuf, 8);
            String json = new String(headerBuf.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLen;
            Map<String, TensorInfo> tensors = parseHeader(file, json, fileSize - dataStart);
            return new SafeTensors(file, channel, dataStart, tensors);
        } catch (IOException e) {
            throw new CheckpointException("Cannot read " + file + ": " + e, e);
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path file, String json, long dataSize) {
        JsonObject header;
        try {
            header = StrictJson.parseObject(json);
        } catch (StrictJson.DuplicateKeyException e) {
            throw new CheckpointException(file + ": the header names " + e.getMessage()
                    + " twice; a safetensors header lists each tensor once", e);
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": the header is not a JSON object: " + e, e);
        }
        Map<String, TensorInfo> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            String name = entry.getKey();
            if ("__metadata__".equals(name)) {
                continue;
            }
            TensorInfo info = entry(file, name, entry.getValue());
            Integer width = DTYPE_BYTES.get(info.dtype());
            if (width == null) {
                throw new CheckpointException(
                        file + ": tensor '" + name + "' has unknown dtype '" + info.dtype() + "'");
            }
            long expectedBytes;
            try {
                expectedBytes = Math.multiplyExact(info.size(), width);
            } catch (ArithmeticException e) {
                throw new CheckpointException(String.format("%s: tensor '%s' has shape %s, whose %s size in bytes"
                        + " overflows a 64-bit count", file, name, info.shapeString(), info.dtype()), e);
            }
            if (info.begin() < 0 || info.end() < info.begin() || info.end() - info.begin() != expectedBytes) {
                throw new CheckpointException(
                        String.format(
                                "%s: tensor '%s' (%s %s) spans bytes [%d, %d) but needs %d bytes",
                                file, name, info.dtype(), info.shapeString(), info.begin(),
                                info.end(), expectedBytes));
            }
            if (info.end() > dataSize) {
                throw new CheckpointException(
                        String.format(
                                "%s is truncated: tensor '%s' ends at byte %d of the data section,"
                                        + " which has only %d bytes",
                                file, name, info.end(), dataSize));
            }
            map.put(name, info);
        }
        checkLayout(file, map, dataSize);
        return Collections.unmodifiableMap(map);
    }

    /** One header entry, every field of the right JSON type (shape dimensions and offsets exact integers). */
    private static TensorInfo entry(Path file, String name, JsonElement value) {
        String what = file + ": malformed header entry for tensor '" + name + "': ";
        if (!value.isJsonObject()) {
            throw new CheckpointException(what + "expected an object with dtype, shape and data_offsets, got " + value);
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtype = o.get("dtype");
        if (dtype == null || !dtype.isJsonPrimitive() || !dtype.getAsJsonPrimitive().isString()) {
            throw new CheckpointException(what + "'dtype' must be a string, got " + dtype);
        }
        long[] shape = longs(what, "shape", o.get("shape"), -1);
        long[] offsets = longs(what, "data_offsets", o.get("data_offsets"), 2);
        for (long d : shape) {
            if (d < 0) {
                throw new CheckpointException(what + "shape " + formatShape(shape) + " has a negative dimension");
            }
        }
        try {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(what + "shape " + formatShape(shape)
                    + " has more elements than a 64-bit count holds", e);
        }
        return new TensorInfo(name, dtype.getAsString(), shape, offsets[0], offsets[1]);
    }

    /** A JSON array of exact integers that fit a long ({@code length} of them, or any number when -1). */
    private static long[] longs(String what, String field, JsonElement e, int length) {
        if (e == null || !e.isJsonArray() || (length >= 0 && e.getAsJsonArray().size() != length)) {
            throw new CheckpointException(what + "'" + field + "' must be an array of "
                    + (length >= 0 ? length + " " : "") + "integers, got " + e);
        }
        JsonArray a = e.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = a.get(i);
            try {
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new ArithmeticException("not a number");
                }
                out[i] = v.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                throw new CheckpointException(what + "'" + field + "' must hold integers, got " + v, ex);
            }
        }
        return out;
    }

    /**
     * The reference implementation's layout rule: sorted by offset, the tensors start at byte 0,
     * follow each other without a gap or an overlap, and end where the data section ends.
     */
    private static void checkLayout(Path file, Map<String, TensorInfo> tensors, long dataSize) {
        java.util.List<TensorInfo> sorted = new java.util.ArrayList<>(tensors.values());
        sorted.sort(java.util.Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo previous = null;
        for (TensorInfo t : sorted) { // overlaps first: they are what loads wrong weights
            if (previous != null && t.begin() < previous.end()) {
                throw new CheckpointException(String.format("%s: tensor '%s' (bytes [%d, %d)) overlaps tensor '%s'"
                        + " (bytes [%d, %d)); each byte of the data belongs to one tensor", file, t.name(), t.begin(),
                        t.end(), previous.name(), previous.begin(), previous.end()));
            }
            previous = t;
        }
        long next = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() > next) {
                throw new CheckpointException(String.format("%s: tensor '%s' starts at byte %d, but the data before"
                        + " it ends at byte %d; tensors must follow each other without gaps", file, t.name(),
                        t.begin(), next));
            }
            next = t.end();
        }
        if (next != dataSize) {
            throw new CheckpointException(String.format("%s: the tensors end at byte %d of the data section, which"
                    + " has %d bytes; the file has data no tensor describes", file, next, dataSize));
        }
    }

    /** The file this reader has open. */
    public Path file() {
        return file;
    }

    /** Every tensor in the file, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Reads tensor {@code name} as float32, converting F16, BF16 and F64.
     *
     * @throws CheckpointException if it is missing, not floating point, or unreadable
     */
    public float[] readFloats(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(file + ": no tensor named '" + name + "'");
        }
        long bytes = info.end() - info.begin();
        if (bytes > Integer.MAX_VALUE) {
            throw new CheckpointException(
                    file + ": tensor '" + name + "' is larger than 2 GB; not supported");
        }
        MappedByteBuffer buf;
        try {
            buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), bytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read tensor '" + name + "': " + e, e);
        }
        buf.order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) info.size();
        float[] out = new float[n];
        switch (info.dtype()) {
            case "F32":
                buf.asFloatBuffer().get(out);
                break;
            case "F16":
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(buf.getShort());
                }
                break;
            case "BF16":
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                }
                break;
            case "F64":
                for (int i = 0; i < n; i++) {
                    out[i] = (float) buf.getDouble();
                }
                break;
            default:
                throw new CheckpointException(
                        file + ": tensor '" + name + "' has dtype " + info.dtype()
                                + ", expected a floating-point type (F32, F16, BF16, F64)");
        }
        return out;
    }

    /** IEEE 754 binary16 to binary32, including subnormals, infinities and NaN. */
    public static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h >>> 15) << 31;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float value = mant * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** A shape as {@code (a, b, c)}. */
    public static String formatShape(long[] shape) {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position)
            throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing useful to add to the original failure
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
