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

/**
 * Writes float tensors in the safetensors format as F32, F16 or BF16, atomically (a temporary
 * file in the same folder, then a rename). Used to export a model in the HuggingFace layout.
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
    }

    private record Entry(String name, long[] shape, float[] data, DType dtype) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Adds a tensor; {@code data} is row-major with {@code shape}. */
    public SafeTensorsWriter add(String name, long[] shape, float[] data, DType dtype) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "Tensor '" + name + "': shape " + SafeTensors.formatShape(shape) + " holds "
                            + n + " values, got " + data.length);
        }
        entries.add(new Entry(name, shape.clone(), data, dtype));
        return this;
    }

    /** Writes the file, replacing {@code file} only once it is complete. */
    public void write(Path file) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Entry e : entries) {
            long size = (long) e.data().length * e.dtype().bytes;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().name());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + size});
            header.put(e.name(), info);
            offset += size;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                os.write(len.putLong(json.length).array());
                os.write(json);
                for (Entry e : entries) {
                    os.write(encode(e.data(), e.dtype()));
                }
            }
        });
    }

    private static byte[] encode(float[] data, DType dtype) {
        ByteBuffer buf =
                ByteBuffer.allocate(data.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
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
        return buf.array();
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
