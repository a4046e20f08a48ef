package dev.jgpt.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenShardsTest {

    private static final long SEP = 50256;
    private static final long VOCAB = 50257;

    @TempDir Path tmp;

    /** {@code n} documents of 0 to {@code maxLength} random ids below the separator. */
    private static List<long[]> documents(Random r, int n, int maxLength) {
        List<long[]> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] d = new long[1 + r.nextInt(maxLength)];
            for (int j = 0; j < d.length; j++) {
                d[j] = r.nextInt((int) SEP);
            }
            docs.add(d);
        }
        return docs;
    }

    /** The documents joined by {@code sep} (nothing when -1): what the whole corpus must read as. */
    private static long[] joined(List<long[]> docs, long sep) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            if (i > 0 && sep >= 0) {
                out.add(sep);
            }
            for (long id : docs.get(i)) {
                out.add(id);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Writes each group of documents as one shard {@code part-0000K.u32} and the index. */
    private static TokenShards.Index write(Path dir, List<List<long[]>> groups, long sep, long vocab) {
        List<TokenShards.Shard> shards = new ArrayList<>();
        for (int k = 0; k < groups.size(); k++) {
            try (TokenShards.ShardWriter w = TokenShards.writer(dir, String.format("part-%05d.u32", k), sep)) {
                groups.get(k).forEach(w::add);
                shards.add(w.finish());
            }
        }
        TokenShards.Index index = new TokenShards.Index("gpt2", vocab, sep, shards);
        TokenShards.writeIndex(dir, index);
        return index;
    }

    private static void assertEveryCopy(TokenIds ids, long[] expected) {
        assertThat(ids.length()).isEqualTo(expected.length);
        assertThat(ids.toArray()).containsExactly(expected);
        long[] dst = new long[expected.length + 2];
        for (int from = 0; from <= expected.length; from++) {
            for (int count = 0; from + count <= expected.length; count++) {
                Arrays.fill(dst, -7);
                ids.copy(from, dst, 1, count);
                assertThat(Arrays.copyOfRange(dst, 1, 1 + count)).as("copy(%d, %d)", from, count)
                        .containsExactly(Arrays.copyOfRange(expected, from, from + count));
                assertThat(dst[0]).isEqualTo(-7);
                assertThat(dst[1 + count]).isEqualTo(-7);
            }
        }
        assertThatThrownBy(() -> ids.copy(expected.length, dst, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ids.copy(-1, dst, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void threeShardsOneEmptyReadBackAsTheDocumentsJoinedBySeparators() throws IOException {
        Random r = new Random(11);
        List<long[]> docs = documents(r, 7, 12);
        List<List<long[]>> groups = List.of(docs.subList(0, 4), List.of(), docs.subList(4, 7));
        Path dir = tmp.resolve("shards");
        TokenShards.Index written = write(dir, groups, SEP, VOCAB);
        long[] expected = joined(docs, SEP);

        TokenShards.Index index = TokenShards.readIndex(dir);
        assertThat(index).isEqualTo(written);
        assertThat(index.documents()).isEqualTo(7);
        // one separator fewer than documents in all, one of those put in by the reader between the shards
        assertThat(index.tokens()).isEqualTo(expected.length - 1);
        assertThat(index.shards().get(1)).isEqualTo(new TokenShards.Shard("part-00001.u32", 0, 0));
        assertThat(Files.size(dir.resolve("part-00000.u32"))).isEqualTo(4 * index.shards().get(0).tokens());
        assertThat(TokenShards.isShardFolder(dir)).isTrue();
        assertThat(TokenShards.isShardFolder(dir.resolve("part-00000.u32"))).isFalse();
        assertThat(TokenShards.isShardFolder(tmp)).isFalse();
        // each shard alone is its documents joined by the separator, as TokenIds.open reads it
        try (TokenIds first = TokenIds.open(dir.resolve("part-00000.u32"))) {
            assertThat(first.toArray()).containsExactly(joined(docs.subList(0, 4), SEP));
        }
        try (TokenIds ids = TokenShards.open(dir)) {
            assertEveryCopy(ids, expected);
        }
        assertThat(Files.readString(dir.resolve(TokenShards.INDEX))).contains("\"format\": \"jgpt-token-shards\"")
                .contains("\"dtype\": \"uint32-le\"").contains("\"separator_id\": 50256").contains("\"documents\": 7");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("index.json", "part-00000.u32", "part-00001.u32", "part-00002.u32");
        }
    }

    @Test
    void withoutSeparatorTheDocumentsAreConcatenated() {
        Random r = new Random(12);
        List<long[]> docs = documents(r, 5, 6);
        Path dir = tmp.resolve("plain");
        write(dir, List.of(docs.subList(0, 2), docs.subList(2, 3), List.of(), docs.subList(3, 5)), -1, VOCAB);
        long[] expected = joined(docs, -1);
        assertThat(TokenShards.readIndex(dir).tokens()).isEqualTo(expected.length);
        try (TokenIds ids = TokenShards.open(dir)) {
            assertEveryCopy(ids, expected);
        }
        // an index without separator_id means the same
        rewriteIndex(dir, o -> o.remove("separator_id"));
        assertThat(TokenShards.readIndex(dir).separatorId()).isEqualTo(-1);
    }

    @Test
    void oneDocumentIsExactlyItsIdsAndLargeDocumentsAndIdsRoundTrip() {
        long[] doc = new long[40_000]; // more than the writer's 64 KB buffer
        Random r = new Random(13);
        for (int i = 0; i < doc.length; i++) {
            doc[i] = r.nextLong() >>> 32; // the whole uint32 range
        }
        doc[0] = 0xFFFF_FFFFL;
        Path dir = tmp.resolve("one");
        write(dir, List.of(List.of(), List.of(doc)), 7, 1L << 32);
        try (TokenIds ids = TokenShards.open(dir)) {
            assertThat(ids.toArray()).containsExactly(doc);
        }
    }

    @Test
    void anIdOutsideUint32IsRefusedNamingItAndTheFile() throws IOException {
        Path dir = tmp.resolve("bad");
        try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-00000.u32", SEP)) {
            w.add(new long[] {1, 2});
            assertThatThrownBy(() -> w.add(new long[] {3, -1})).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("Token id -1").hasMessageContaining("part-00000.u32");
            assertThatThrownBy(() -> w.add(new long[] {1L << 32})).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("Token id 4294967296").hasMessageContaining("part-00000.u32");
            w.add(new long[] {4});
            assertThat(w.finish()).isEqualTo(new TokenShards.Shard("part-00000.u32", 4, 2)); // the bad ones left no trace
        }
        try (TokenIds ids = TokenIds.open(dir.resolve("part-00000.u32"))) {
            assertThat(ids.toArray()).containsExactly(1, 2, SEP, 4);
        }
        assertThatThrownBy(() -> TokenShards.writer(dir, "part-1.u32", -2)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("separator id -2");
        for (String name : List.of("../x.u32", "a/b.u32", "index.json", ".hidden", "")) {
            assertThatThrownBy(() -> TokenShards.writer(dir, name, SEP)).as(name).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("not a plain file name");
        }
    }

    @Test
    void anIdOutsideTheIndexVocabularyIsAClearErrorWhenRead() {
        Path dir = tmp.resolve("vocab");
        write(dir, List.of(List.of(new long[] {1, 2}, new long[] {999})), 3, 1000);
        rewriteIndex(dir, o -> o.addProperty("vocab_size", 500));
        try (TokenIds ids = TokenShards.open(dir)) {
            assertThat(ids.length()).isEqualTo(4);
            long[] dst = new long[4];
            ids.copy(0, dst, 0, 3);
            assertThat(dst).startsWith(1, 2, 3);
            assertThatThrownBy(() -> ids.copy(0, dst, 0, 4)).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("part-00000.u32 holds the id 999 at position 3, outside its vocabulary [0, 500)");
        }
    }

    @Test
    void finishReplacesAnExistingShardWholeAndOnlyAtTheEnd() throws IOException {
        Path dir = tmp.resolve("retry");
        try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-00003.u32", SEP)) {
            w.add(new long[] {1, 2, 3});
            w.finish();
        }
        Path shard = dir.resolve("part-00003.u32");
        byte[] first = Files.readAllBytes(shard);
        try (TokenShards.ShardWriter retry = TokenShards.writer(dir, "part-00003.u32", SEP)) {
            long[] big = new long[30_000];
            Arrays.fill(big, 9);
            retry.add(big);
            retry.add(new long[] {5});
            // until finish the old shard is untouched, the new ids in a temporary file beside it
            assertThat(Files.readAllBytes(shard)).isEqualTo(first);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .hasSize(2).contains("part-00003.u32").anyMatch(n -> n.startsWith(".part-00003.u32."));
            }
            assertThat(retry.finish()).isEqualTo(new TokenShards.Shard("part-00003.u32", 30_002, 2));
            assertThatThrownBy(() -> retry.add(new long[] {1})).isInstanceOf(IllegalStateException.class);
        }
        try (TokenIds ids = TokenIds.open(shard)) {
            assertThat(ids.length()).isEqualTo(30_002);
            long[] tail = new long[3];
            ids.copy(29_999, tail, 0, 3);
            assertThat(tail).containsExactly(9, SEP, 5);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("part-00003.u32");
        }
    }

    @Test
    void closeWithoutFinishLeavesNoFileAndTheOldShardAsItWas() throws IOException {
        Path dir = tmp.resolve("abandoned");
        try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-00000.u32", SEP)) {
            w.add(new long[] {1, 2, 3});
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
        try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-00000.u32", SEP)) {
            w.add(new long[] {4});
            w.finish();
        }
        try (TokenShards.ShardWriter w = TokenShards.writer(dir, "part-00000.u32", SEP)) {
            w.add(new long[] {5, 6});
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("part-00000.u32");
        }
        try (TokenIds ids = TokenIds.open(dir.resolve("part-00000.u32"))) {
            assertThat(ids.toArray()).containsExactly(4);
        }
    }

    /** A good folder of two shards, 3 + 2 tokens, for the index errors. */
    private Path good(String name) {
        Path dir = tmp.resolve(name);
        write(dir, List.of(List.of(new long[] {1, 2}), List.of(new long[] {3, 4, 5})), SEP, VOCAB);
        return dir;
    }

    private static void rewriteIndex(Path dir, Consumer<JsonObject> change) {
        try {
            Path index = dir.resolve(TokenShards.INDEX);
            JsonObject o = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
            change.accept(o);
            Files.writeString(index, o.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonObject shard(JsonObject index, int k) {
        return index.getAsJsonArray("shards").get(k).getAsJsonObject();
    }

    private void assertIndexError(String name, Consumer<JsonObject> change, String... message) {
        Path dir = good(name);
        rewriteIndex(dir, change);
        var thrown = assertThatThrownBy(() -> TokenShards.readIndex(dir)).as(name).isInstanceOf(DatasetException.class);
        for (String m : message) {
            thrown.hasMessageContaining(m);
        }
        assertThatThrownBy(() -> TokenShards.open(dir)).as(name).isInstanceOf(DatasetException.class);
    }

    @Test
    void everyIndexProblemIsOneClearError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> TokenShards.readIndex(empty)).isInstanceOf(DatasetException.class)
                .hasMessageContaining(empty + " is not a token shard folder: it has no index.json");
        Path malformed = good("malformed");
        Files.writeString(malformed.resolve("index.json"), "{\"format\": \"jgpt-token-shards\", ");
        assertThatThrownBy(() -> TokenShards.readIndex(malformed)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("index.json is malformed JSON: ").hasMessageContaining("line 1");
        Path array = good("array");
        Files.writeString(array.resolve("index.json"), "[]");
        assertThatThrownBy(() -> TokenShards.readIndex(array)).hasMessageContaining("is not a JSON object");
        Path unreadable = good("unreadable");
        Files.delete(unreadable.resolve("index.json"));
        Files.createDirectory(unreadable.resolve("index.json"));
        assertThatThrownBy(() -> TokenShards.readIndex(unreadable)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("Cannot read " + unreadable.resolve("index.json"));

        assertIndexError("format", o -> o.addProperty("format", "npy"),
                "has format \"npy\", not \"jgpt-token-shards\"");
        assertIndexError("noformat", o -> o.remove("format"), "has no \"format\"");
        assertIndexError("version", o -> o.addProperty("version", 2), "is version 2; this reader reads version 1");
        assertIndexError("dtype", o -> o.addProperty("dtype", "uint16-le"),
                "has dtype \"uint16-le\"; only \"uint32-le\" is read");
        assertIndexError("vocabtype", o -> o.addProperty("vocab_size", "50257"), "\"vocab_size\" is \"50257\", not an integer");
        assertIndexError("fraction", o -> shard(o, 0).addProperty("tokens", 2.5), "shards[0]: \"tokens\" is 2.5, not an integer");
        assertIndexError("separator", o -> o.addProperty("separator_id", VOCAB),
                "separator_id 50257: neither -1 nor an id of its vocabulary [0, 50257)");
        assertIndexError("noshards", o -> o.remove("shards"), "has no \"shards\" array");
        assertIndexError("missing", o -> shard(o, 1).addProperty("file", "part-00009.u32"),
                "part-00009.u32, listed in", "is missing");
        assertIndexError("size", o -> shard(o, 1).addProperty("tokens", 4),
                "part-00001.u32 is 12 bytes, but", "gives it 4 tokens (16 bytes)");
        assertIndexError("twice", o -> {
            JsonArray shards = o.getAsJsonArray("shards");
            shards.add(shards.get(0).deepCopy());
            o.addProperty("tokens", 7);
            o.addProperty("documents", 3);
        }, "lists the shard part-00000.u32 twice");
        assertIndexError("negative", o -> shard(o, 0).addProperty("documents", -1),
                "the shard part-00000.u32 has a negative count (2 tokens, -1 documents)");
        assertIndexError("totals", o -> o.addProperty("tokens", 6), "gives 6 tokens in all, but its shards sum to 5");
        assertIndexError("escape", o -> shard(o, 0).addProperty("file", "../part-00000.u32"), "not a plain file name");

        // a shard changed on disk is the same error for the writer's index
        Path changed = good("changed");
        Files.write(changed.resolve("part-00000.u32"), new byte[4], StandardOpenOption.APPEND);
        assertThatThrownBy(() -> TokenShards.readIndex(changed)).hasMessageContaining("part-00000.u32 is 12 bytes");
        assertThatThrownBy(() -> TokenShards.writeIndex(changed, new TokenShards.Index("gpt2", VOCAB, SEP,
                List.of(new TokenShards.Shard("part-00000.u32", 2, 1))))).isInstanceOf(DatasetException.class)
                .hasMessageContaining("part-00000.u32 is 12 bytes");
        // and the good folder reads
        assertThat(TokenShards.readIndex(good("fine")).tokens()).isEqualTo(5);
    }

    @Test
    void manyShardsReadWithABoundedNumberOfOpenFiles() {
        Random r = new Random(14);
        List<long[]> docs = documents(r, TokenShards.OPEN_SHARDS + 10, 3);
        List<List<long[]>> groups = docs.stream().map(List::of).toList();
        Path dir = tmp.resolve("many");
        write(dir, groups, SEP, VOCAB);
        long[] expected = joined(docs, SEP);
        TokenShards.Stream ids = (TokenShards.Stream) TokenShards.open(dir);
        assertThat(ids.openFiles()).isZero();
        assertThat(ids.toArray()).containsExactly(expected);
        assertThat(ids.openFiles()).isEqualTo(TokenShards.OPEN_SHARDS);
        long[] one = new long[1];
        for (int at = expected.length - 1; at >= 0; at--) { // back to the evicted ones
            ids.copy(at, one, 0, 1);
            assertThat(one[0]).isEqualTo(expected[at]);
        }
        assertThat(ids.openFiles()).isEqualTo(TokenShards.OPEN_SHARDS);
        ids.close();
        assertThat(ids.openFiles()).isZero();
        assertThatThrownBy(() -> ids.copy(0, one, 0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aSliceIsABoundedView() {
        long[] all = {10, 11, 12, 13, 14, 15};
        TokenIds ids = TokenIds.of(all);
        TokenIds mid = ids.slice(2, 5);
        assertThat(mid.length()).isEqualTo(3);
        assertThat(mid.toArray()).containsExactly(12, 13, 14);
        long[] dst = new long[2];
        mid.copy(1, dst, 0, 2);
        assertThat(dst).containsExactly(13, 14);
        assertThatThrownBy(() -> mid.copy(2, dst, 0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> mid.copy(-1, dst, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(ids.slice(6, 6).length()).isZero();
        assertThat(ids.slice(0, 6).toArray()).containsExactly(all);
        assertThatThrownBy(() -> ids.slice(4, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ids.slice(0, 7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ids.slice(-1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void theStreamLengthIsALong() {
        // a stream past 2^31 ids is not written here; the API counts in longs all the way
        TokenShards.Index index = new TokenShards.Index("gpt2", VOCAB, SEP, List.of(
                new TokenShards.Shard("a.u32", 3_000_000_000L, 10), new TokenShards.Shard("b.u32", 2_000_000_000L, 5)));
        assertThat(index.tokens()).isEqualTo(5_000_000_000L);
        assertThat(index.documents()).isEqualTo(15);
    }
}
