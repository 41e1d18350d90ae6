package io.medvec.core.source;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Streams the rows of a Parquet file, or of a directory of part files in name order (Spark's
 * layout), reading only the named columns. Nothing but the current row is held.
 */
final class ParquetRows implements AutoCloseable {

  private final Configuration conf;
  private final List<Path> files;
  private final MessageType projection;
  private final String source;
  private int fileIndex = -1;
  private ParquetReader<Group> reader;

  ParquetRows(Configuration conf, Path table, List<String> columns) {
    this.conf = new Configuration(conf);
    this.files = dataFiles(conf, table);
    this.source = table.toString();
    MessageType schema = schema(conf, files.get(0));
    List<Type> fields = new ArrayList<>();
    for (String column : columns) {
      if (!schema.containsField(column)) {
        throw new IllegalArgumentException(
            "Cannot read manifest "
                + source
                + ": no column '"
                + column
                + "' (columns: "
                + schema.getFields().stream().map(Type::getName).toList()
                + ")");
      }
      fields.add(schema.getType(column));
    }
    this.projection = new MessageType(schema.getName(), fields);
    this.conf.set(ReadSupport.PARQUET_READ_SCHEMA, projection.toString());
  }

  /** The column names of the table's first file. */
  static List<String> columns(Configuration conf, Path table) {
    return schema(conf, dataFiles(conf, table).get(0)).getFields().stream()
        .map(Type::getName)
        .toList();
  }

  /** The next row (projected columns only), or null at the end. */
  Group next() {
    try {
      while (true) {
        if (reader != null) {
          Group group = reader.read();
          if (group != null) {
            return group;
          }
          reader.close();
          reader = null;
        }
        if (++fileIndex >= files.size()) {
          return null;
        }
        reader =
            new GroupReaderBuilder(HadoopInputFile.fromPath(files.get(fileIndex), conf))
                .withConf(conf)
                .build();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read manifest " + source, e);
    } catch (RuntimeException e) {
      if (e instanceof IllegalArgumentException && e.getMessage().startsWith("Cannot")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "Cannot read manifest " + source + ": not a valid Parquet file (" + e.getMessage() + ")",
          e);
    }
  }

  /** A cell as text (strings, integers, numbers), or null when missing. */
  static String text(Group row, String column) {
    int index = row.getType().getFieldIndex(column);
    if (row.getFieldRepetitionCount(index) == 0) {
      return null;
    }
    PrimitiveType type = row.getType().getType(index).asPrimitiveType();
    return switch (type.getPrimitiveTypeName()) {
      case INT32 -> Integer.toString(row.getInteger(index, 0));
      case INT64 -> Long.toString(row.getLong(index, 0));
      case DOUBLE -> Double.toString(row.getDouble(index, 0));
      case FLOAT -> Float.toString(row.getFloat(index, 0));
      case BOOLEAN -> Boolean.toString(row.getBoolean(index, 0));
      case BINARY -> row.getString(index, 0);
      default ->
          throw new IllegalArgumentException(
              "Cannot read manifest column '" + column + "': unsupported type (" + type + ")");
    };
  }

  /** A binary cell's bytes, or null when missing. */
  static byte[] bytes(Group row, String column) {
    int index = row.getType().getFieldIndex(column);
    return row.getFieldRepetitionCount(index) == 0 ? null : row.getBinary(index, 0).getBytes();
  }

  /** Whether {@code column} of {@code table} is binary without a string annotation. */
  static boolean isBytes(Configuration conf, Path table, String column) {
    Type type = schema(conf, dataFiles(conf, table).get(0)).getType(column);
    return type.isPrimitive()
        && type.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        && !(type.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation);
  }

  @Override
  public void close() {
    if (reader != null) {
      try {
        reader.close();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot close manifest " + source, e);
      } finally {
        reader = null;
      }
    }
  }

  private static MessageType schema(Configuration conf, Path file) {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read manifest: not a valid Parquet file (" + file + ")", e);
    }
  }

  static List<Path> dataFiles(Configuration conf, Path table) {
    try {
      FileSystem fs = table.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(table);
      if (!status.isDirectory()) {
        return List.of(table);
      }
      List<Path> parts = new ArrayList<>();
      for (FileStatus child : fs.listStatus(table)) {
        String name = child.getPath().getName();
        if (child.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          parts.add(child.getPath());
        }
      }
      if (parts.isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot read manifest: directory holds no Parquet files (" + table + ")");
      }
      Collections.sort(parts);
      return parts;
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot read manifest: file does not exist (" + table + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list manifest " + table, e);
    }
  }

  private static final class GroupReaderBuilder extends ParquetReader.Builder<Group> {
    GroupReaderBuilder(org.apache.parquet.io.InputFile file) {
      super(file);
    }

    @Override
    protected ReadSupport<Group> getReadSupport() {
      return new GroupReadSupport();
    }
  }
}
