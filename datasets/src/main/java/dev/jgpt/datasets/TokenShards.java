package dev.jgpt.datasets;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tokenized corpus as a folder of shards: {@code part-NNNNN.u32} files of little-endian uint32
 * ids (no header, what {@link TokenIds#open(Path)} reads), each written by one task (a Spark
 * partition), and an {@value #INDEX} that lists them in stream order. Within a shard documents
 * are joined by the separator id (between documents, none before the first or after the last);
 * the reader joins consecutive non-empty shards with it too, so the whole stream is {@code doc1
 * + [sep] + doc2 + [sep] + ...} in index order. A separator of -1 joins documents with nothing.
 *
 * <p>Writing: {@link #writer} per shard ({@link ShardWriter#finish()} moves it into place, so a
 * retried task replaces its shard whole), then {@link #writeIndex} once. Reading: {@link
 * #readIndex} (validates everything it can without reading the ids) and {@link #open}, a {@link
 * TokenIds} over all shards read with positional reads, never the whole corpus in the heap.
 */
public final class TokenShards {

    /** The index's file name. */
    public static final String INDEX = "index.json";

    /** The index's {@code format} field. */
    public static final String FORMAT = "jgpt-token-shards";

    /** The index version this code writes and reads. */
    public static final int VERSION = 1;

    /** The index's {@code dtype} field: the ids' encoding. */
    public static final String DTYPE = "uint32-le";

    /** The largest id a shard can hold. */
    private static final long MAX_ID = 0xFFFF_FFFFL;

    /** How many shard files {@link #open} keeps open at once (the rest are reopened when read). */
    static final int OPEN_SHARDS = 64;

    /**
     * One shard as the index lists it.
     *
     * @param file its file name in the folder (no directory part)
     * @param tokens its ids, separators included
     * @param documents the documents it holds
     */
    public record Shard(String file, long tokens, long documents) {}

    /**
     * The index: what tokenized the corpus and its shards in stream order.
     *
     * @param tokenizer free text naming the tokenizer (such as {@code gpt2})
     * @param vocabSize the tokenizer's vocabulary size: every id is below it
     * @param separatorId the id between documents, or -1 for none
     * @param shards the shards in stream order
     */
    public record Index(String tokenizer, long vocabSize, long separatorId, List<Shard> shards) {
        public Index {
            shards = List.copyOf(shards);
        }

        /** The ids of all shards (the separators the reader puts between shards not counted). */
        public long tokens() {
            return shards.stream().mapToLong(Shard::tokens).sum();
        }

        /** The documents of all shards. */
        public long documents() {
            return shards.stream().mapToLong(Shard::documents).sum();
        }
    }

    private TokenShards() {}

    /**
     * A writer of shard {@code dir/file}: the ids go to a temporary file in {@code dir} that
     * {@link ShardWriter#finish()} moves to {@code file} (replacing one already there).
     *
     * @param separatorId written between documents; -1 for nothing
     * @throws DatasetException if the folder cannot be written or the name is not a plain file name
     */
    public static ShardWriter writer(Path dir, String file, long separatorId) {
        checkFileName(file, dir);
        if (separatorId < -1 || separatorId > MAX_ID) {
            throw new DatasetException("The separator id " + separatorId + " is neither -1 nor in [0, 2^32) (shard "
                    + dir.resolve(file) + ")");
        }
        return new ShardWriter(dir, file, separatorId);
    }

    /** Writes one shard; not thread-safe (one task writes one shard). */
    public static final class ShardWriter implements AutoCloseable {
        private static final int BUFFER_BYTES = 1 << 16;

        private final Path dir;
        private final Path target;
        private final Path temp;
        private final long separatorId;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long tokens;
        private long documents;
        private boolean done;

        private ShardWriter(Path dir, String file, long separatorId) {
            this.dir = dir;
            this.target = dir.resolve(file);
            this.separatorId = separatorId;
            try {
                Files.createDirectories(dir);
                this.temp = Files.createTempFile(dir, "." + file + ".", ".tmp");
                this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                throw new DatasetException("Cannot write the shard " + target + ": " + e, e);
            }
        }

        /**
         * Appends one document (the separator before it unless it is the shard's first).
         *
         * @throws DatasetException naming the first id outside [0, 2^32) and the file; nothing is
         *     written then
         */
        public void add(long[] documentIds) {
            if (done) {
                throw new IllegalStateException("The shard writer of " + target + " is already finished or closed");
            }
            for (int i = 0; i < documentIds.length; i++) {
                long id = documentIds[i];
                if (id < 0 || id > MAX_ID) {
                    throw new DatasetException("Token id " + id + " (document " + documents + ", position " + i
                            + ") does not fit the uint32 shard " + target);
                }
            }
            if (documents > 0 && separatorId >= 0) {
                put(separatorId);
            }
            for (long id : documentIds) {
                put(id);
            }
            documents++;
        }

        private void put(long id) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            buffer.putInt((int) id);
            tokens++;
        }

        private void flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new DatasetException("Cannot write the shard " + target + ": " + e, e);
            }
            buffer.clear();
        }

        /** The ids written so far, separators included. */
        public long tokens() {
            return tokens;
        }

        /** The documents added so far. */
        public long documents() {
            return documents;
        }

        /**
         * Writes what is buffered, syncs, closes and atomically moves the shard into place
         * (replacing a shard of that name: the last writer wins).
         *
         * @return the shard's entry for the index
         */
        public Shard finish() {
            if (done) {
                throw new IllegalStateException("The shard writer of " + target + " is already finished or closed");
            }
            try {
                flush();
                channel.force(true);
                channel.close();
                moveAtomically(temp, target);
            } catch (IOException | RuntimeException e) {
                close();
                if (e instanceof DatasetException d) {
                    throw d;
                }
                throw new DatasetException("Cannot write the shard " + target + ": " + e, e);
            }
            done = true;
            return new Shard(target.getFileName().toString(), tokens, documents);
        }

        /** Without {@link #finish()}: discards the shard (its temporary file deleted). */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // deleted below
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a temporary file left behind is never read: its name starts with a dot and is not listed
            }
        }

        @Override
        public String toString() {
            return "ShardWriter[" + target + " in " + dir + ", " + tokens + " ids, " + documents + " documents]";
        }
    }

    /**
     * Writes {@code dir/index.json} atomically (a temporary file moved over it), after checking
     * that every shard it lists is there with {@code tokens * 4} bytes.
     *
     * @throws DatasetException if a shard is missing or of the wrong size, a count is negative, a
     *     shard is listed twice, or the file cannot be written
     */
    public static void writeIndex(Path dir, Index index) {
        check(dir, index);
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("version", VERSION);
        root.addProperty("dtype", DTYPE);
        root.addProperty("tokenizer", index.tokenizer());
        root.addProperty("vocab_size", index.vocabSize());
        root.addProperty("separator_id", index.separatorId());
        root.addProperty("tokens", index.tokens());
        root.addProperty("documents", index.documents());
        JsonArray shards = new JsonArray();
        for (Shard s : index.shards()) {
            JsonObject o = new JsonObject();
            o.addProperty("file", s.file());
            o.addProperty("tokens", s.tokens());
            o.addProperty("documents", s.documents());
            shards.add(o);
        }
        root.add("shards", shards);
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
        Path target = dir.resolve(INDEX);
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + INDEX + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveAtomically(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new DatasetException("Cannot write " + target + ": " + e, e);
        }
    }

    /** True when {@code p} is a folder holding an {@value #INDEX}. */
    public static boolean isShardFolder(Path p) {
        return p != null && Files.isDirectory(p) && Files.exists(p.resolve(INDEX));
    }

    /**
     * Reads and validates {@code dir/index.json}: its format, version and dtype, every field's
     * type, the counts (none negative; the totals, when given, equal to the shards' sums), each
     * shard listed once, there, and of {@code tokens * 4} bytes.
     *
     * @throws DatasetException naming the file and what is wrong with it
     */
    public static Index readIndex(Path dir) {
        Path file = dir.resolve(INDEX);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DatasetException(dir + " is not a token shard folder: it has no " + INDEX, e);
        } catch (IOException e) {
            throw new DatasetException("Cannot read " + file + ": " + e, e);
        }
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new DatasetException(file + " is malformed JSON: " + e.getMessage(), e);
        }
        if (!parsed.isJsonObject()) {
            throw new DatasetException(file + " is not a JSON object");
        }
        JsonObject root = parsed.getAsJsonObject();
        String format = string(root, "format", file);
        if (!FORMAT.equals(format)) {
            throw new DatasetException(file + " has format \"" + format + "\", not \"" + FORMAT + "\"");
        }
        long version = integer(root, "version", file);
        if (version != VERSION) {
            throw new DatasetException(file + " is version " + version + "; this reader reads version " + VERSION);
        }
        String dtype = string(root, "dtype", file);
        if (!DTYPE.equals(dtype)) {
            throw new DatasetException(file + " has dtype \"" + dtype + "\"; only \"" + DTYPE + "\" is read");
        }
        String tokenizer = root.has("tokenizer") && !root.get("tokenizer").isJsonNull()
                ? string(root, "tokenizer", file) : "";
        long vocabSize = integer(root, "vocab_size", file);
        long separatorId = root.has("separator_id") && !root.get("separator_id").isJsonNull()
                ? integer(root, "separator_id", file) : -1;
        JsonElement list = root.get("shards");
        if (list == null || !list.isJsonArray()) {
            throw new DatasetException(file + " has no \"shards\" array");
        }
        List<Shard> shards = new ArrayList<>();
        int n = 0;
        for (JsonElement e : list.getAsJsonArray()) {
            String where = file + " shards[" + n++ + "]";
            if (!e.isJsonObject()) {
                throw new DatasetException(where + " is not an object");
            }
            JsonObject o = e.getAsJsonObject();
            shards.add(new Shard(string(o, "file", where), integer(o, "tokens", where), integer(o, "documents", where)));
        }
        Index index = new Index(tokenizer, vocabSize, separatorId, shards);
        check(dir, index);
        for (String total : List.of("tokens", "documents")) {
            if (root.has(total)) {
                long given = integer(root, total, file);
                long sum = total.equals("tokens") ? index.tokens() : index.documents();
                if (given != sum) {
                    throw new DatasetException(file + " gives " + given + " " + total + " in all, but its shards sum to "
                            + sum);
                }
            }
        }
        return index;
    }

    /** The checks {@link #readIndex} and {@link #writeIndex} share: counts, names, the files. */
    private static void check(Path dir, Index index) {
        Path file = dir.resolve(INDEX);
        if (index.vocabSize() <= 0 || index.vocabSize() > MAX_ID + 1) {
            throw new DatasetException(file + " has vocab_size " + index.vocabSize() + ": not in [1, 2^32]");
        }
        if (index.separatorId() < -1 || index.separatorId() >= index.vocabSize()) {
            throw new DatasetException(file + " has separator_id " + index.separatorId()
                    + ": neither -1 nor an id of its vocabulary [0, " + index.vocabSize() + ")");
        }
        Set<String> seen = new HashSet<>();
        for (Shard s : index.shards()) {
            checkFileName(s.file(), dir);
            if (!seen.add(s.file())) {
                throw new DatasetException(file + " lists the shard " + s.file() + " twice");
            }
            if (s.tokens() < 0 || s.documents() < 0) {
                throw new DatasetException(file + ": the shard " + s.file() + " has a negative count (" + s.tokens()
                        + " tokens, " + s.documents() + " documents)");
            }
            if (s.tokens() > 0 && s.documents() == 0) {
                throw new DatasetException(file + ": the shard " + s.file() + " has " + s.tokens()
                        + " tokens but no documents");
            }
            Path shard = dir.resolve(s.file());
            long size;
            try {
                size = Files.size(shard);
            } catch (NoSuchFileException e) {
                throw new DatasetException("The shard " + shard + ", listed in " + file + ", is missing", e);
            } catch (IOException e) {
                throw new DatasetException("Cannot read the shard " + shard + ": " + e, e);
            }
            if (!Files.isRegularFile(shard)) {
                throw new DatasetException("The shard " + shard + " is not a regular file");
            }
            if (s.tokens() > Long.MAX_VALUE / Integer.BYTES || size != s.tokens() * Integer.BYTES) {
                throw new DatasetException("The shard " + shard + " is " + size + " bytes, but " + file + " gives it "
                        + s.tokens() + " tokens (" + s.tokens() * Integer.BYTES + " bytes)");
            }
        }
        long total = 0;
        for (Shard s : index.shards()) {
            total += s.tokens();
            if (total < 0) {
                throw new DatasetException(file + ": the shards' token counts overflow a long");
            }
        }
    }

    /**
     * All the shards of {@code dir} as one stream, in index order, the separator between
     * consecutive non-empty shards. Ids are read with positional reads when copied (at most
     * {@value #OPEN_SHARDS} shard files open at once); an id outside the index's vocabulary is a
     * {@link DatasetException} naming the shard and position. Safe for concurrent copies.
     *
     * @throws DatasetException for any {@link #readIndex} problem
     */
    public static TokenIds open(Path dir) {
        return new Stream(dir, readIndex(dir));
    }

    /** The stream of {@link #open}: pieces (a shard, or one separator) laid end to end. */
    static final class Stream implements TokenIds {
        private final Path dir;
        private final Index index;
        /** Per piece: the shard it reads, or null for a separator. */
        private final Shard[] shards;
        /** Per piece: its first position in the stream; one more entry, the length. */
        private final long[] starts;
        private final Map<Integer, TokenIds> open = new LinkedHashMap<>(16, 0.75f, true);
        private boolean closed;

        Stream(Path dir, Index index) {
            this.dir = dir;
            this.index = index;
            List<Shard> pieces = new ArrayList<>();
            List<Long> at = new ArrayList<>();
            long position = 0;
            for (Shard s : index.shards()) {
                if (s.tokens() == 0) {
                    continue;
                }
                if (!pieces.isEmpty() && index.separatorId() >= 0) {
                    pieces.add(null);
                    at.add(position);
                    position++;
                }
                pieces.add(s);
                at.add(position);
                position += s.tokens();
            }
            this.shards = pieces.toArray(new Shard[0]);
            this.starts = new long[shards.length + 1];
            for (int i = 0; i < shards.length; i++) {
                starts[i] = at.get(i);
            }
            starts[shards.length] = position;
        }

        @Override
        public long length() {
            return starts[shards.length];
        }

        @Override
        public void copy(long from, long[] dst, int offset, int count) {
            long n = length();
            if (from < 0 || count < 0 || from > n - count || offset < 0 || offset > dst.length - count) {
                throw new IndexOutOfBoundsException("ids " + from + ".." + (from + count) + " of " + n + " into "
                        + dst.length + " at " + offset);
            }
            if (count == 0) {
                return;
            }
            int piece = Arrays.binarySearch(starts, from); // starts rise strictly: every piece has an id
            if (piece < 0) {
                piece = -piece - 2;
            }
            long position = from;
            int done = 0;
            while (done < count) {
                long within = position - starts[piece];
                int take = (int) Math.min(count - done, starts[piece + 1] - position);
                Shard s = shards[piece];
                if (s == null) {
                    dst[offset + done] = index.separatorId(); // a separator piece is one id
                } else {
                    copyFromShard(piece, within, dst, offset + done, take);
                    for (int i = 0; i < take; i++) {
                        long id = dst[offset + done + i];
                        if (id >= index.vocabSize()) {
                            throw new DatasetException("The shard " + dir.resolve(s.file()) + " holds the id " + id
                                    + " at position " + (within + i) + ", outside its vocabulary [0, "
                                    + index.vocabSize() + ")");
                        }
                    }
                }
                done += take;
                position += take;
                piece++;
            }
        }

        private void copyFromShard(int piece, long within, long[] dst, int offset, int count) {
            TokenIds ids;
            synchronized (open) {
                if (closed) {
                    throw new IllegalStateException("The token shards of " + dir + " are closed");
                }
                ids = open.get(piece);
                if (ids == null) {
                    ids = TokenIds.open(dir.resolve(shards[piece].file()));
                    if (ids.length() != shards[piece].tokens()) {
                        long length = ids.length();
                        ids.close();
                        throw new DatasetException("The shard " + dir.resolve(shards[piece].file()) + " now holds "
                                + length + " ids, not the " + shards[piece].tokens() + " " + INDEX + " gives");
                    }
                    open.put(piece, ids);
                    if (open.size() > OPEN_SHARDS) {
                        var eldest = open.entrySet().iterator().next();
                        eldest.getValue().close();
                        open.remove(eldest.getKey());
                    }
                }
                // read under the lock: an eviction by another thread must not close this channel mid-read
                ids.copy(within, dst, offset, count);
            }
        }

        @Override
        public void close() {
            synchronized (open) {
                closed = true;
                open.values().forEach(TokenIds::close);
                open.clear();
            }
        }

        /** The shard files open now (for tests). */
        int openFiles() {
            synchronized (open) {
                return open.size();
            }
        }

        @Override
        public String toString() {
            return "TokenShards[" + dir + ", " + index.shards().size() + " shards, " + length() + " ids]";
        }
    }

    /** Refuses a name that is not a plain file name of the folder (or is the index itself). */
    private static void checkFileName(String name, Path dir) {
        boolean plain = name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
        if (!plain || name.equals(INDEX) || name.startsWith(".")) {
            throw new DatasetException("The shard name \"" + name + "\" in " + dir
                    + " is not a plain file name (no directory, not " + INDEX + ", not starting with a dot)");
        }
    }

    private static String string(JsonObject o, String name, Object where) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new DatasetException(where + " has no \"" + name + "\"");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new DatasetException(where + ": \"" + name + "\" is " + e + ", not a string");
        }
        return e.getAsString();
    }

    private static long integer(JsonObject o, String name, Object where) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            throw new DatasetException(where + " has no \"" + name + "\"");
        }
        if (e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber()) {
            try {
                BigDecimal d = e.getAsBigDecimal();
                return d.longValueExact();
            } catch (ArithmeticException | NumberFormatException ignored) {
                // reported below
            }
        }
        throw new DatasetException(where + ": \"" + name + "\" is " + e + ", not an integer");
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            deleteQuietly(from);
            throw new IOException("the file system of " + to + " cannot move files atomically", e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more to do
        }
    }
}
