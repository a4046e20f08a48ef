package dev.jgpt.datasets;

import dev.jgpt.model.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Pretraining text of any size, tokenized as a stream: the book's preparation (the files joined
 * with {@link #FILE_SEPARATOR}, cut into training and validation text at a fraction of the
 * characters, each part tokenized) without ever holding the text or its ids in the heap. The text
 * is read twice (once to count and check it, once to tokenize it) in pieces of 64K characters
 * (small, so that the native tokenizer's per-call objects stay small even in a small heap), and the ids go to two files of little-endian uint32 ({@link TokenIds#open}).
 *
 * <p>The ids equal those of tokenizing each part in one call: a piece ends only at a point where
 * GPT-2's and the HF families' pre-tokenizers always split (a single space or newline between
 * two non-space characters, searched in the piece's last 4K characters), so no token spans two
 * pieces. Only a piece without such a point is cut where it is (a token may differ there).
 *
 * <p>Not a regular file (a device such as {@code /dev/zero}, a pipe), bytes that are not UTF-8,
 * or a NUL character (a binary file) are each one {@link DatasetException} naming the file.
 */
public final class CorpusTokenizer {

    /** What separates two files of a folder, as the text was joined before. */
    public static final String FILE_SEPARATOR = " <|endoftext|> ";

    /** The size of one piece, in characters. */
    static final int PIECE_CHARS = 1 << 16;

    /** How far back from a piece's end a split point is looked for. */
    private static final int SEARCH_CHARS = 1 << 12;

    /**
     * The training and validation ids.
     *
     * @param train ids of the first part
     * @param validation ids of the rest
     * @param characters characters of the whole text (UTF-16 units, as {@code String.length()})
     */
    public record Split(TokenIds train, TokenIds validation, long characters) implements AutoCloseable {
        @Override
        public void close() {
            train.close();
            validation.close();
        }
    }

    private CorpusTokenizer() {}

    /**
     * Tokenizes {@code fileOrFolder} (one text file, or a folder's {@code .txt} files sorted by
     * name) into {@code dir/train-tokens.u32} and {@code dir/validation-tokens.u32}, which are
     * deleted when the returned split closes; the first
     * {@code (long) (trainRatio * characters)} characters (never half a surrogate pair) are the
     * training text, as {@link TextSplit#byCharacters}.
     *
     * @throws DatasetException naming a file that is missing, not regular, not UTF-8 or not text
     */
    public static Split tokenize(Path fileOrFolder, Tokenizer tokenizer, double trainRatio, Path dir) {
        if (!(trainRatio > 0 && trainRatio < 1)) {
            throw new IllegalArgumentException("The train ratio must be in (0, 1), got " + trainRatio);
        }
        List<Path> files = TextFiles.list(fileOrFolder);
        long[] count = {0};
        forEachPiece(files, piece -> count[0] += piece.length()); // pass 1: count and check everything
        long cut = (long) (trainRatio * count[0]);
        Path trainFile = dir.resolve("train-tokens.u32");
        Path valFile = dir.resolve("validation-tokens.u32");
        try {
            Files.createDirectories(dir);
            try (IdWriter train = new IdWriter(trainFile, tokenizer); IdWriter val = new IdWriter(valFile, tokenizer)) {
                long[] position = {0};
                forEachPiece(files, piece -> {
                    int n = piece.length();
                    long start = position[0];
                    long end = start + n;
                    if (end <= cut) {
                        train.append(piece, 0, n);
                    } else if (start >= cut) {
                        val.append(piece, 0, n);
                    } else {
                        int at = (int) (cut - start);
                        if (at > 0 && Character.isLowSurrogate(piece.charAt(at))) {
                            at--; // never half a surrogate pair, as TextSplit
                        }
                        train.append(piece, 0, at);
                        val.append(piece, at, n);
                    }
                    position[0] = end;
                });
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot write the token files in " + dir + ": " + e, e);
        } catch (UncheckedIOException e) {
            throw new DatasetException("Cannot write the token files in " + dir + ": " + e.getCause(), e);
        }
        TokenIds train = TokenIds.open(trainFile, true);
        try {
            return new Split(train, TokenIds.open(valFile, true), count[0]);
        } catch (RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /** Receives the text in pieces of at most {@link #PIECE_CHARS} characters (split anywhere). */
    interface PieceConsumer {
        void accept(CharSequence piece);
    }

    /** Streams the files' text, the separator between them, checking UTF-8 and NUL characters. */
    static void forEachPiece(List<Path> files, PieceConsumer consumer) {
        for (int f = 0; f < files.size(); f++) {
            if (f > 0) {
                consumer.accept(FILE_SEPARATOR);
            }
            decode(files.get(f), consumer);
        }
    }

    private static void decode(Path file, PieceConsumer consumer) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + " is not a regular file: pretraining text must be a text file or a"
                    + " folder of .txt files");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(PIECE_CHARS);
        long bytesBefore = 0; // bytes consumed before in's position 0
        long chars = 0;
        try (InputStream stream = Files.newInputStream(file)) {
            boolean eof = false;
            while (!eof) {
                int read = stream.read(in.array(), in.position(), in.remaining());
                if (read < 0) {
                    eof = true;
                } else {
                    in.position(in.position() + read);
                }
                in.flip();
                while (true) {
                    CoderResult r = decoder.decode(in, out, eof);
                    if (r.isError()) {
                        throw new DatasetException(file + " is not valid UTF-8 (bad byte at offset "
                                + (bytesBefore + in.position()) + ")");
                    }
                    if (r.isOverflow()) {
                        chars = emit(file, out, chars, consumer);
                        continue;
                    }
                    break; // underflow: more bytes needed
                }
                bytesBefore += in.position();
                in.compact();
            }
            decoder.flush(out);
            emit(file, out, chars, consumer);
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e, e);
        }
    }

    private static long emit(Path file, CharBuffer out, long chars, PieceConsumer consumer) {
        out.flip();
        for (int i = 0; i < out.limit(); i++) {
            if (out.get(i) == '\0') {
                throw new DatasetException(file + " is not text: a NUL character at character " + (chars + i)
                        + " (a binary file?)");
            }
        }
        if (out.hasRemaining()) {
            consumer.accept(out);
        }
        long n = chars + out.limit();
        out.clear();
        return n;
    }

    /** Buffers text, tokenizes it in pieces that end at safe split points, appends the ids to a file. */
    private static final class IdWriter implements AutoCloseable {
        private final Path file;
        private final Tokenizer tokenizer;
        private final FileChannel channel;
        private final StringBuilder pending = new StringBuilder();

        IdWriter(Path file, Tokenizer tokenizer) throws IOException {
            this.file = file;
            this.tokenizer = tokenizer;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        }

        void append(CharSequence text, int from, int to) {
            pending.append(text, from, to);
            while (pending.length() >= PIECE_CHARS) {
                int at = splitPoint(pending);
                write(pending.substring(0, at));
                pending.delete(0, at);
            }
        }

        private void write(String text) {
            if (text.isEmpty()) {
                return;
            }
            long[] ids = tokenizer.encode(text);
            ByteBuffer buf = ByteBuffer.allocate(ids.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (long id : ids) {
                if (id < 0 || id > 0xFFFF_FFFFL) {
                    throw new DatasetException("Token id " + id + " does not fit the uint32 token file " + file);
                }
                buf.putInt((int) id);
            }
            buf.flip();
            try {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                write(pending.toString());
                pending.setLength(0);
            } finally {
                channel.close();
            }
        }
    }

    /**
     * Where to end a piece of {@code text}: just before a single space, or just after a single
     * newline, that stands between two non-space characters, searched back from the end; the
     * end itself (never inside a surrogate pair) when there is none.
     */
    static int splitPoint(CharSequence text) {
        int n = text.length();
        for (int i = n - 2; i >= Math.max(2, n - SEARCH_CHARS); i--) {
            char c = text.charAt(i);
            if (c == ' ' && !Character.isWhitespace(text.charAt(i - 1)) && !Character.isWhitespace(text.charAt(i + 1))) {
                return i;
            }
            if (text.charAt(i - 1) == '\n' && !Character.isWhitespace(text.charAt(i - 2))
                    && !Character.isWhitespace(c)) {
                return i;
            }
        }
        return Character.isHighSurrogate(text.charAt(n - 1)) ? n - 1 : n;
    }
}
