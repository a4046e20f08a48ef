package dev.jgpt.examples.spark;

import java.util.Locale;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Reading and writing the tables the jobs take and give, in the formats Spark reads natively:
 * Parquet, JSON lines, CSV (with a header row) and plain text (one row per line, column {@code
 * value}; {@code wholetext}: one row per file). The format is named or taken from the path's
 * extension; any storage Spark reaches (a local or shared folder, HDFS, an object store) works.
 */
public final class Tables {

    private Tables() {}

    /** The format of {@code path}: {@code format} if given, else by its extension. */
    static String format(String path, String format) {
        if (format != null) {
            String f = format.toLowerCase(Locale.ROOT);
            return switch (f) {
                case "parquet", "json", "csv", "text", "wholetext" -> f;
                case "jsonl", "ndjson" -> "json";
                default -> throw new IllegalArgumentException("Unknown format '" + format
                        + "': parquet, json (JSON lines), csv, text or wholetext");
            };
        }
        String p = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (p.endsWith(".parquet")) {
            return "parquet";
        }
        if (p.endsWith(".json") || p.endsWith(".jsonl") || p.endsWith(".ndjson")) {
            return "json";
        }
        if (p.endsWith(".csv")) {
            return "csv";
        }
        if (p.endsWith(".txt")) {
            return "text";
        }
        throw new IllegalArgumentException("Cannot tell the format of '" + path + "' from its name: give it"
                + " (parquet, json, csv, text)");
    }

    /** The table at {@code path}. */
    public static Dataset<Row> read(SparkSession spark, String path, String format) {
        String f = format(path, format);
        DataFrameReader r = spark.read();
        return switch (f) {
            case "csv" -> r.option("header", "true").option("multiLine", "true").option("escape", "\"").csv(path);
            case "wholetext" -> r.option("wholetext", "true").text(path);
            default -> r.format(f).load(path);
        };
    }

    /** Writes {@code table} to {@code path}; an existing path is an error unless {@code overwrite}. */
    public static void write(Dataset<Row> table, String path, String format, boolean overwrite) {
        String f = format(path, format);
        if (f.equals("text") || f.equals("wholetext")) {
            throw new IllegalArgumentException("Write results as parquet, json or csv (text has one column)");
        }
        var w = table.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        if (f.equals("csv")) {
            w = w.option("header", "true").option("escape", "\"");
        }
        w.format(f).save(path);
    }
}
