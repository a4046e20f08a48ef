package dev.jgpt.examples.spark;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Checking the columns a job reads and appending the ones it writes. */
final class Columns {

    private Columns() {}

    /** Fails naming the column, the type wanted and the columns there are, unless {@code ok}. */
    static void require(StructType schema, String column, String wanted, Predicate<DataType> ok) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("The input has no column '" + column + "' (it has "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType type = schema.apply(column).dataType();
        if (!ok.test(type)) {
            throw new IllegalArgumentException("Column '" + column + "' must be " + wanted + ", it is "
                    + type.simpleString());
        }
    }

    static boolean isString(DataType t) {
        return t.equals(DataTypes.StringType);
    }

    static boolean isInteger(DataType t) {
        return t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType);
    }

    /** {@code array<struct<role: string, content: string, ...>>}, as JSON lines of chat messages read. */
    static boolean isMessages(DataType t) {
        if (!(t instanceof ArrayType a) || !(a.elementType() instanceof StructType s)) {
            return false;
        }
        List<String> names = Arrays.asList(s.fieldNames());
        return names.contains("role") && names.contains("content") && isString(s.apply("role").dataType())
                && isString(s.apply("content").dataType());
    }

    /** {@code schema} with nullable {@code names} of {@code types} at its end; refuses a name it has. */
    static StructType append(StructType schema, List<String> names, DataType... types) {
        StructType out = schema;
        for (int i = 0; i < names.size(); i++) {
            if (Arrays.asList(schema.fieldNames()).contains(names.get(i))) {
                throw new IllegalArgumentException("The input already has a column '" + names.get(i)
                        + "', which the job writes: rename or drop it");
            }
            out = out.add(new StructField(names.get(i), types[i], true, org.apache.spark.sql.types.Metadata.empty()));
        }
        return out;
    }

    /** {@code row}'s values followed by {@code values}. */
    static Row appendValues(Row row, Object... values) {
        Object[] all = new Object[row.length() + values.length];
        for (int i = 0; i < row.length(); i++) {
            all[i] = row.get(i);
        }
        System.arraycopy(values, 0, all, row.length(), values.length);
        return RowFactory.create(all);
    }
}
