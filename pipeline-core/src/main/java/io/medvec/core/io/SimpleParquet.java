package io.medvec.core.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Small typed-row Parquet tables without Spark (used for the hospital assignment and for reading
 * the metrics table back in tests). All rows are held in memory.
 */
public final class SimpleParquet {

  /** Column types; Java values are Integer, Long, Double and String respectively. */
  public enum Type {
    INT32(Integer.class),
    INT64(Long.class),
    DOUBLE(Double.class),
    STRING(String.class);

    private final Class<?> javaType;

    Type(Class<?> javaType) {
      this.javaType = javaType;
    }
  }

  private SimpleParquet() {}

  /**
   * Writes one file with nullable (optional) columns, zstd-compressed. columns: name -> type among
   * INT32, INT64, DOUBLE, STRING (binary UTF8); rows as Object[] in column order, null for a
   * missing value. Fails if the file exists.
   */
  public static void write(
      Configuration conf, Path file, LinkedHashMap<String, Type> columns, List<Object[]> rows) {
    checkNotNull(conf, file, "write table");
    if (columns == null || columns.isEmpty() || rows == null) {
      throw new IllegalArgumentException(
          "Cannot write table: no columns or rows are null (" + file + ")");
    }
    List<Map.Entry<String, Type>> schema = new ArrayList<>(columns.entrySet());
    for (int i = 0; i < rows.size(); i += 1) {
      checkRow(file, schema, i, rows.get(i));
    }
    MessageType messageType = messageType(schema);
    SimpleGroupFactory groups = new SimpleGroupFactory(messageType);
    try (ParquetWriter<Group> writer = openWriter(conf, file, messageType)) {
      for (Object[] row : rows) {
        writer.write(group(groups, schema, row));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write table " + file, e);
    }
  }

  /**
   * Reads any flat file of those primitive types (incl. files Spark wrote); nulls as null. A
   * directory is read as the concatenation of its visible files in name order (Spark's output
   * layout; names starting with "_" or "." are skipped). Also reads FLOAT and BOOLEAN columns (as
   * Float and Boolean), which Spark tables may contain.
   */
  public static List<Map<String, Object>> read(Configuration conf, Path file) {
    checkNotNull(conf, file, "read table");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Path part : dataFiles(conf, file)) {
      readFile(conf, part, rows);
    }
    return rows;
  }

  private static void checkRow(
      Path file, List<Map.Entry<String, Type>> schema, int index, Object[] row) {
    if (row == null || row.length != schema.size()) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot write table: row %d has %s values, expected %d (%s)",
              index, row == null ? "null" : Integer.toString(row.length), schema.size(), file));
    }
    for (int col = 0; col < row.length; col += 1) {
      Map.Entry<String, Type> column = schema.get(col);
      Object value = row[col];
      if (value != null && !column.getValue().javaType.isInstance(value)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot write table: row %d column %s needs %s but got %s (%s) (%s)",
                index,
                column.getKey(),
                column.getValue().javaType.getSimpleName(),
                value.getClass().getSimpleName(),
                value,
                file));
      }
    }
  }

  private static MessageType messageType(List<Map.Entry<String, Type>> schema) {
    Types.MessageTypeBuilder builder = Types.buildMessage();
    for (Map.Entry<String, Type> column : schema) {
      switch (column.getValue()) {
        case INT32 -> builder.optional(PrimitiveTypeName.INT32).named(column.getKey());
        case INT64 -> builder.optional(PrimitiveTypeName.INT64).named(column.getKey());
        case DOUBLE -> builder.optional(PrimitiveTypeName.DOUBLE).named(column.getKey());
        case STRING ->
            builder
                .optional(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(column.getKey());
        default -> throw new IllegalStateException("Cannot map column type " + column.getValue());
      }
    }
    return builder.named("medvec_table");
  }

  private static Group group(
      SimpleGroupFactory groups, List<Map.Entry<String, Type>> schema, Object[] row) {
    Group group = groups.newGroup();
    for (int col = 0; col < row.length; col += 1) {
      Object value = row[col];
      if (value == null) {
        continue;
      }
      switch (schema.get(col).getValue()) {
        case INT32 -> group.add(col, (Integer) value);
        case INT64 -> group.add(col, (Long) value);
        case DOUBLE -> group.add(col, (Double) value);
        case STRING -> group.add(col, (String) value);
        default -> throw new IllegalStateException("Cannot write column type " + schema.get(col));
      }
    }
    return group;
  }

  private static ParquetWriter<Group> openWriter(Configuration conf, Path file, MessageType type)
      throws IOException {
    if (file.getFileSystem(conf).exists(file)) {
      throw new IllegalArgumentException("Cannot write table: file already exists (" + file + ")");
    }
    try {
      return ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
          .withConf(conf)
          .withType(type)
          .withWriteMode(ParquetFileWriter.Mode.CREATE)
          .withCompressionCodec(CompressionCodecName.ZSTD)
          .withWriterVersion(WriterVersion.PARQUET_1_0)
          .build();
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(
          "Cannot write table: file already exists (" + file + ")", e);
    }
  }

  private static List<Path> dataFiles(Configuration conf, Path path) {
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(path);
      if (!status.isDirectory()) {
        return List.of(path);
      }
      List<Path> parts = new ArrayList<>();
      for (FileStatus child : fs.listStatus(path)) {
        String name = child.getPath().getName();
        if (child.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          parts.add(child.getPath());
        }
      }
      Collections.sort(parts);
      return parts;
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot read table: file does not exist (" + path + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list table " + path, e);
    }
  }

  private static void readFile(Configuration conf, Path file, List<Map<String, Object>> rows) {
    try (ParquetReader<Group> reader =
        new GroupReaderBuilder(HadoopInputFile.fromPath(file, conf)).withConf(conf).build()) {
      for (Group group = next(reader, file); group != null; group = next(reader, file)) {
        rows.add(toMap(group, file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read table " + file, e);
    }
  }

  private static Group next(ParquetReader<Group> reader, Path file) throws IOException {
    try {
      return reader.read();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read table: not a valid Parquet file (" + file + ")", e);
    }
  }

  private static Map<String, Object> toMap(Group group, Path file) {
    org.apache.parquet.schema.GroupType type = group.getType();
    Map<String, Object> row = new LinkedHashMap<>();
    for (int col = 0; col < type.getFieldCount(); col += 1) {
      // checked even for nulls, so that an unsupported column fails on every row alike
      PrimitiveTypeName primitive = supportedType(type.getType(col), file);
      row.put(
          type.getFieldName(col),
          group.getFieldRepetitionCount(col) == 0 ? null : value(group, col, primitive));
    }
    return row;
  }

  private static Object value(Group group, int col, PrimitiveTypeName primitive) {
    return switch (primitive) {
      case INT32 -> group.getInteger(col, 0);
      case INT64 -> group.getLong(col, 0);
      case DOUBLE -> group.getDouble(col, 0);
      case FLOAT -> group.getFloat(col, 0);
      case BOOLEAN -> group.getBoolean(col, 0);
      case BINARY -> group.getString(col, 0);
      default -> throw new IllegalStateException("Cannot convert unchecked type " + primitive);
    };
  }

  private static PrimitiveTypeName supportedType(org.apache.parquet.schema.Type field, Path file) {
    if (field.isPrimitive()
        && !field.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
      PrimitiveType primitive = field.asPrimitiveType();
      LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
      boolean supported =
          switch (primitive.getPrimitiveTypeName()) {
            case INT32, INT64 ->
                logical == null
                    || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation;
            case DOUBLE, FLOAT, BOOLEAN -> logical == null;
            case BINARY -> logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation;
            default -> false;
          };
      if (supported) {
        return primitive.getPrimitiveTypeName();
      }
    }
    throw new IllegalArgumentException(
        String.format(
            "Cannot read table: unsupported column %s (%s)",
            field.toString().replaceAll("\\s+", " ").trim(), file));
  }

  private static final class GroupReaderBuilder extends ParquetReader.Builder<Group> {
    GroupReaderBuilder(org.apache.parquet.io.InputFile file) {
      super(file);
    }

    @Override
    protected org.apache.parquet.hadoop.api.ReadSupport<Group> getReadSupport() {
      return new GroupReadSupport();
    }
  }

  private static void checkNotNull(Configuration conf, Path file, String action) {
    if (conf == null || file == null) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": configuration or path is null (" + file + ")");
    }
  }
}
