package dev.jgpt.examples.spark;

import dev.jgpt.datasets.DatasetException;
import dev.jgpt.datasets.TextFiles;
import dev.jgpt.datasets.TokenShards;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Corpus tokenization as a Spark job: documents in (the rows of a text column, or the {@code .txt}
 * files of a folder, one document each), token-id shards out in the format {@code jgpt pretrain
 * --data} reads ({@link TokenShards}: one {@code part-NNNNN.u32} of little-endian uint32 ids per
 * partition, documents joined by the separator id, then an {@code index.json} with the counts).
 * A document's ids are what {@code jgpt tokenize} prints for its text (the tokenizer's {@code
 * encode}, no special tokens added), so the shards' stream is the documents' ids, in input order,
 * joined by the separator.
 *
 * <p>Each executor JVM loads the tokenizer once ({@link ExecutorModels}). A task writes its shard
 * to a temporary file and moves it into place when done, so a retried task (a lost executor)
 * replaces its shard whole; the driver writes the index once every shard is in. A null text or a
 * file that cannot be read as text (not UTF-8, binary, missing) is counted as an error and left
 * out; an empty one adds no ids.
 *
 * <p>The shard folder is written with Java's file API: on a cluster it must be a folder every
 * executor and the driver share (NFS, a mounted bucket); so must a folder of text files. A
 * corpus in HDFS or object storage is read by Spark into a text column first
 * ({@code spark.read().option("wholetext", true).text(...)} gives one row per file).
 */
public final class TokenizeJob {

    /** The document separator when none is given: the tokenizer's {@code <|endoftext|>}, else its first end id. */
    public static final long DEFAULT_SEPARATOR = Long.MIN_VALUE;

    private final SparkSession spark;
    private final Settings settings;
    private final JobCounters counters;

    /**
     * @param tokenizer a model folder (or Hub id) whose tokenizer to use, or {@code null} for GPT-2's
     * @param separatorId written between documents; -1 for none; {@link #DEFAULT_SEPARATOR}
     */
    public record Settings(ModelLocation tokenizer, long separatorId) implements Serializable {

        private static final long serialVersionUID = 1L;

        /** GPT-2's tokenizer, its end-of-text between documents. */
        public static Settings gpt2() {
            return new Settings(null, DEFAULT_SEPARATOR);
        }

        /** {@code model}'s tokenizer, its end-of-text between documents. */
        public static Settings of(ModelLocation model) {
            return new Settings(model, DEFAULT_SEPARATOR);
        }

        public Settings withSeparatorId(long id) {
            return new Settings(tokenizer, id);
        }

        String key() {
            return "tokenizer " + (tokenizer == null ? "gpt2" : tokenizer.describe());
        }

        String name() {
            return tokenizer == null ? "gpt2" : tokenizer.spec();
        }
    }

    /**
     * What the job wrote.
     *
     * @param index the shards' index, as written to {@code out/index.json}
     * @param summary documents (rows), errors and tokens, and the tokenizer loads
     * @param errors the first problems met (at most 20), each naming its row or file
     */
    public record Result(TokenShards.Index index, JobCounters.Summary summary, List<String> errors) {}

    /** A job with {@code settings}, its counters registered on {@code spark}. */
    public TokenizeJob(SparkSession spark, Settings settings) {
        this.spark = spark;
        this.settings = settings;
        this.counters = new JobCounters(spark, "jgpt tokenize");
    }

    /**
     * Tokenizes the string column {@code textColumn} of {@code input}, one shard per partition,
     * into the new or empty folder {@code out}.
     */
    public Result tokenize(Dataset<Row> input, String textColumn, Path out) {
        Columns.require(input.schema(), textColumn, "a string", Columns::isString);
        prepare(out);
        Settings s = settings;
        JobCounters c = counters;
        String folder = out.toAbsolutePath().toString();
        JavaRDD<Row> rows = input.select(textColumn).javaRDD();
        List<ShardResult> shards = rows.mapPartitionsWithIndex((partition, it) -> List.of(write(partition, s, c,
                Path.of(folder), new RowDocuments(partition, it))).iterator(), false).collect();
        return finish(shards, out);
    }

    /**
     * Tokenizes a text file, or the {@code .txt} files of a folder sorted by name (as {@code jgpt
     * pretrain --data} lists them), one document per file, into {@code partitions} shards in order.
     */
    public Result tokenizeFiles(Path fileOrFolder, int partitions, Path out) {
        List<String> files = TextFiles.list(fileOrFolder).stream().map(p -> p.toAbsolutePath().toString()).toList();
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        prepare(out);
        Settings s = settings;
        JobCounters c = counters;
        String folder = out.toAbsolutePath().toString();
        JavaRDD<String> paths = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(files, Math.min(partitions, files.size()));
        List<ShardResult> shards = paths.mapPartitionsWithIndex((partition, it) -> List.of(write(partition, s, c,
                Path.of(folder), new FileDocuments(it))).iterator(), false).collect();
        return finish(shards, out);
    }

    /** A task's documents; {@code next} gives null (and says why in {@code problems}) for one it cannot read. */
    private interface Documents {
        boolean hasNext();

        String next(List<String> problems);
    }

    /** The rows of a one-column partition. */
    private static final class RowDocuments implements Documents {
        private final int partition;
        private final Iterator<Row> rows;
        private long row;

        RowDocuments(int partition, Iterator<Row> rows) {
            this.partition = partition;
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public String next(List<String> problems) {
            Row r = rows.next();
            row++;
            if (r.isNullAt(0)) {
                problems.add("partition " + partition + " row " + row + ": no text (null)");
                return null;
            }
            return r.getString(0);
        }
    }

    /** The files of a partition, each read strictly as UTF-8 ({@link TextFiles#read}, as jgpt tokenize). */
    private static final class FileDocuments implements Documents {
        private final Iterator<String> files;

        FileDocuments(Iterator<String> files) {
            this.files = files;
        }

        @Override
        public boolean hasNext() {
            return files.hasNext();
        }

        @Override
        public String next(List<String> problems) {
            String file = files.next();
            try {
                return TextFiles.read(Path.of(file));
            } catch (DatasetException e) {
                problems.add(e.getMessage());
                return null;
            }
        }
    }

    /** What one task wrote. */
    private record ShardResult(int partition, String file, long tokens, long documents, List<String> problems)
            implements Serializable {}

    private static ShardResult write(int partition, Settings s, JobCounters counters, Path out, Documents docs) {
        Tokenizer tokenizer = ExecutorModels.get(s.key(), Tokenizer.class, () -> {
            counters.modelLoaded();
            return Tokenizers.forModel(s.tokenizer() == null ? null : s.tokenizer().resolve());
        });
        long separator = separator(s, tokenizer);
        String file = String.format(Locale.ROOT, "part-%05d.u32", partition);
        List<String> problems = new ArrayList<>();
        try (TokenShards.ShardWriter w = TokenShards.writer(out, file, separator)) {
            while (docs.hasNext()) {
                String text = docs.next(problems);
                if (text == null) {
                    counters.row(true, 0, 0);
                    continue;
                }
                long[] ids = tokenizer.encode(text);
                if (ids.length == 0) {
                    counters.row(false, 0, 0); // nothing to add: no empty document between two separators
                    continue;
                }
                w.add(ids);
                counters.row(false, ids.length, 0);
            }
            TokenShards.Shard shard = w.finish();
            counters.taskDone();
            return new ShardResult(partition, shard.file(), shard.tokens(), shard.documents(),
                    problems.size() > 20 ? List.copyOf(problems.subList(0, 20)) : problems);
        }
    }

    /** The separator ids are joined with: the given one, else {@code <|endoftext|>} if one token, else the first end id. */
    static long separator(Settings s, Tokenizer tokenizer) {
        if (s.separatorId() != DEFAULT_SEPARATOR) {
            return s.separatorId();
        }
        long[] eot = tokenizer.encode("<|endoftext|>");
        if (eot.length == 1) {
            return eot[0];
        }
        long[] ends = tokenizer.endIds();
        return ends.length > 0 ? ends[0] : -1;
    }

    private Result finish(List<ShardResult> shards, Path out) {
        List<ShardResult> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparingInt(ShardResult::partition));
        List<TokenShards.Shard> list = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ShardResult r : sorted) {
            list.add(new TokenShards.Shard(r.file(), r.tokens(), r.documents()));
            problems.addAll(r.problems());
        }
        long vocab;
        long separator;
        try (Tokenizer t = Tokenizers.forModel(settings.tokenizer() == null ? null : settings.tokenizer().resolve())) {
            vocab = t.vocabSize();
            separator = separator(settings, t);
        }
        TokenShards.Index index = new TokenShards.Index(settings.name(), vocab, separator, list);
        removeLeftovers(out); // temporary files of task attempts that were killed
        TokenShards.writeIndex(out, index);
        return new Result(index, counters.summary(), problems.size() > 20 ? problems.subList(0, 20) : problems);
    }

    private static void prepare(Path out) {
        try {
            if (Files.exists(out)) {
                try (Stream<Path> s = Files.list(out)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException("The shard folder " + out + " is not empty: give a new one");
                    }
                }
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the shard folder " + out + ": " + e, e);
        }
    }

    private static void removeLeftovers(Path out) {
        try (Stream<Path> s = Files.list(out)) {
            for (Iterator<Path> it = s.iterator(); it.hasNext();) {
                Path p = it.next();
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot tidy the shard folder " + out + ": " + e, e);
        }
    }
}
