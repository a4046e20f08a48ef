package dev.jgpt.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A token stream that need not fit in the heap: {@link #length()} ids, read a window at a time.
 * In memory ({@link #of(long[])}) or in a file of little-endian uint32 ids ({@link #open(Path)},
 * what {@link CorpusTokenizer} writes), read with positional reads so a corpus larger than the
 * heap (and than 2 GB) trains.
 */
public interface TokenIds extends AutoCloseable {

    /** The number of ids. */
    long length();

    /** Copies ids {@code from .. from + count - 1} into {@code dst[offset ..]}. */
    void copy(long from, long[] dst, int offset, int count);

    /** Releases the file, if any. */
    @Override
    default void close() {}

    /** All the ids, as an array (only for streams that fit in one). */
    default long[] toArray() {
        if (length() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(length() + " ids do not fit in one array");
        }
        long[] out = new long[(int) length()];
        copy(0, out, 0, out.length);
        return out;
    }

    /**
     * A view of ids {@code from .. to - 1} (nothing copied). Closing the view does nothing: the
     * stream it views stays open, and is closed by its owner.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= from <= to <= length()}
     */
    default TokenIds slice(long from, long to) {
        TokenIds whole = this;
        long n = length();
        if (from < 0 || from > to || to > n) {
            throw new IndexOutOfBoundsException("slice " + from + ".." + to + " of " + n + " ids");
        }
        return new TokenIds() {
            @Override
            public long length() {
                return to - from;
            }

            @Override
            public void copy(long at, long[] dst, int offset, int count) {
                if (at < 0 || count < 0 || at > to - from - count) {
                    throw new IndexOutOfBoundsException("ids " + at + ".." + (at + count) + " of a slice of "
                            + (to - from));
                }
                whole.copy(from + at, dst, offset, count);
            }
        };
    }

    /** The ids of an array (not copied). */
    static TokenIds of(long[] ids) {
        return new TokenIds() {
            @Override
            public long length() {
                return ids.length;
            }

            @Override
            public void copy(long from, long[] dst, int offset, int count) {
                System.arraycopy(ids, Math.toIntExact(from), dst, offset, count);
            }
        };
    }

    /** The ids of a file of little-endian uint32 ids. */
    static TokenIds open(Path file) {
        return open(file, false);
    }

    /** {@link #open(Path)}, the file deleted when this closes when {@code deleteOnClose}. */
    static TokenIds open(Path file, boolean deleteOnClose) {
        FileChannel channel;
        long size;
        try {
            channel = deleteOnClose
                    ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE)
                    : FileChannel.open(file, StandardOpenOption.READ);
            size = channel.size();
        } catch (IOException e) {
            throw new DatasetException("Cannot open the token file " + file + ": " + e, e);
        }
        if (size % Integer.BYTES != 0) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the error below is the one to report
            }
            throw new DatasetException(file + " is not a token file: " + size + " bytes, not a multiple of 4");
        }
        long n = size / Integer.BYTES;
        return new TokenIds() {
            @Override
            public long length() {
                return n;
            }

            @Override
            public void copy(long from, long[] dst, int offset, int count) {
                if (from < 0 || count < 0 || from + count > n) {
                    throw new IndexOutOfBoundsException("ids " + from + ".." + (from + count) + " of " + n);
                }
                ByteBuffer buf = ByteBuffer.allocate(count * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    long position = from * Integer.BYTES;
                    while (buf.hasRemaining()) {
                        int read = channel.read(buf, position + buf.position());
                        if (read < 0) {
                            throw new IOException("unexpected end of file");
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot read " + file + ": " + e, e);
                }
                buf.flip();
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = Integer.toUnsignedLong(buf.getInt());
                }
            }

            @Override
            public void close() {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing left to read
                }
            }
        };
    }
}
