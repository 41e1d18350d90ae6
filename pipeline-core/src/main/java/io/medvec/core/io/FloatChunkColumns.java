package io.medvec.core.io;

import io.medvec.core.io.FloatChunkFile.Footer;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads the rows (chunk_id, offset, values) of a {@link FloatChunkFile} straight from Parquet's
 * column readers, one row group at a time, with one open of the file for footer and data.
 *
 * <p>Parquet's record API assembles every row through a converter per value and a state machine
 * over the schema; for rows of 65 536 floats that costs about as much as decoding them. Here the
 * three columns are walked side by side: one id and one offset per row, and the values column's
 * definition and repetition levels say where a row's list ends and whether an element, the list or
 * the column is null. Accepts required or optional columns (Spark writes optional ones) and reports
 * nulls instead of failing, so that the caller can name the file in its error.
 */
final class FloatChunkColumns implements Closeable {

  /** One row; {@code complete} is false when chunk_id, offset or values is null. */
  record Chunk(int id, long offset, float[] values, boolean complete, int nullElements) {}

  private final Path file;
  private final ParquetFileReader reader;
  private final MessageType projection;
  private final Footer footer;
  private final ColumnDescriptor idColumn;
  private final ColumnDescriptor offsetColumn;
  private final ColumnDescriptor valuesColumn;

  /** Definition level at which the values list itself is non-null. */
  private final int listDefined;

  /** Definition level at which the list has an element slot (non-empty). */
  private final int elementSlot;

  private final String createdBy;
  private ColumnReader ids;
  private ColumnReader offsets;
  private ColumnReader values;
  private long rowsLeft;
  private long valuesLeft;

  /** After {@link #selectRowGroup}: {@link #next} stops at the end of that group. */
  private boolean singleGroup;

  private float[] buffer = new float[FloatChunkFile.DEFAULT_CHUNK_SIZE];

  private FloatChunkColumns(
      Path file,
      ParquetFileReader reader,
      MessageType projection,
      Footer footer,
      String createdBy) {
    this.file = file;
    this.reader = reader;
    this.projection = projection;
    this.footer = footer;
    this.createdBy = createdBy;
    this.idColumn = projection.getColumnDescription(new String[] {FloatChunkWriteSupport.CHUNK_ID});
    this.offsetColumn =
        projection.getColumnDescription(new String[] {FloatChunkWriteSupport.OFFSET});
    GroupType list = projection.getType(FloatChunkWriteSupport.VALUES).asGroupType();
    String repeated = list.getType(0).getName();
    String element = list.getType(0).asGroupType().getType(0).getName();
    this.valuesColumn =
        projection.getColumnDescription(
            new String[] {FloatChunkWriteSupport.VALUES, repeated, element});
    this.listDefined = projection.getMaxDefinitionLevel(FloatChunkWriteSupport.VALUES);
    this.elementSlot = projection.getMaxDefinitionLevel(FloatChunkWriteSupport.VALUES, repeated);
  }

  /**
   * Opens {@code file}, checks its schema and parses its footer (length, SHA-256); IAE naming the
   * file when it is missing, truncated, not Parquet, of another schema or without our footer.
   */
  static FloatChunkColumns open(Configuration conf, Path file) {
    return open(conf, file, false);
  }

  /**
   * As {@link #open(Configuration, Path)}; with {@code verifyPageChecksums} every page's CRC-32
   * (written by default since Parquet 1.12) is checked as it is read, so a reader of part of a file
   * still detects corrupted bytes without the whole-content SHA-256.
   */
  static FloatChunkColumns open(Configuration conf, Path file, boolean verifyPageChecksums) {
    ParquetFileReader reader;
    try {
      reader =
          ParquetFileReader.open(
              FloatChunkFile.inputFile(conf, file),
              HadoopReadOptions.builder(conf)
                  .usePageChecksumVerification(verifyPageChecksums)
                  .build());
    } catch (EOFException e) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: truncated Parquet file (" + file + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read float chunk footer of " + file, e);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: not a valid Parquet file (" + file + ")", e);
    }
    try {
      FileMetaData metadata = reader.getFooter().getFileMetaData();
      MessageType projection = project(metadata.getSchema());
      if (projection == null) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks: expected columns chunk_id int32, offset int64, values list<float> but found %s (%s)",
                metadata.getSchema().toString().replaceAll("\\s+", " "), file));
      }
      Footer footer = Footer.parse(metadata.getKeyValueMetaData(), file);
      reader.setRequestedSchema(projection);
      return new FloatChunkColumns(file, reader, projection, footer, metadata.getCreatedBy());
    } catch (RuntimeException e) {
      closeQuietly(reader, e);
      throw e;
    }
  }

  Footer footer() {
    return footer;
  }

  Path file() {
    return file;
  }

  /** Number of row groups in the file. */
  int rowGroups() {
    return reader.getRowGroups().size();
  }

  /** Number of rows in row group {@code group}. */
  long rows(int group) {
    return reader.getRowGroups().get(group).getRowCount();
  }

  /**
   * Reads row group {@code group} only: {@link #next} then returns its rows and null after the last
   * of them. IAE naming the file when it cannot be decoded.
   */
  void selectRowGroup(int group) {
    decode(
        () -> {
          PageReadStore pages = reader.readRowGroup(group);
          if (pages == null) {
            throw new IllegalArgumentException(
                "Cannot read float chunks: row group " + group + " is missing (" + file + ")");
          }
          load(pages);
          singleGroup = true;
          return null;
        });
  }

  /** The next row, or null after the last; IAE naming the file when the data cannot be decoded. */
  Chunk next() {
    return decode(
        () -> {
          while (rowsLeft == 0) {
            PageReadStore group = singleGroup ? null : reader.readNextRowGroup();
            if (group == null) {
              return null;
            }
            load(group);
          }
          rowsLeft -= 1;
          return row();
        });
  }

  private interface Decoding<T> {
    T run() throws IOException;
  }

  private <T> T decode(Decoding<T> body) {
    try {
      return body.run();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read float chunks from " + file, e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: corrupt Parquet data (" + file + ")", e);
    }
  }

  private void load(PageReadStore group) {
    ColumnReadStoreImpl store =
        new ColumnReadStoreImpl(
            group, new DummyRecordConverter(projection).getRootConverter(), projection, createdBy);
    ids = store.getColumnReader(idColumn);
    offsets = store.getColumnReader(offsetColumn);
    values = store.getColumnReader(valuesColumn);
    rowsLeft = group.getRowCount();
    valuesLeft = values.getTotalValueCount();
  }

  private Chunk row() {
    boolean hasId = ids.getCurrentDefinitionLevel() == idColumn.getMaxDefinitionLevel();
    int id = hasId ? ids.getInteger() : 0;
    ids.consume();
    boolean hasOffset = offsets.getCurrentDefinitionLevel() == offsetColumn.getMaxDefinitionLevel();
    long offset = hasOffset ? offsets.getLong() : 0;
    offsets.consume();
    if (valuesLeft == 0) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: values column ends before row " + id + " (" + file + ")");
    }
    int maxDefinition = valuesColumn.getMaxDefinitionLevel();
    boolean hasValues = true;
    int count = 0;
    int nullElements = 0;
    do {
      int definition = values.getCurrentDefinitionLevel();
      if (definition == maxDefinition) {
        if (count == buffer.length) {
          buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        buffer[count++] = values.getFloat();
      } else if (definition >= elementSlot) {
        nullElements += 1;
      } else if (definition < listDefined) {
        hasValues = false;
      } // else an empty list
      values.consume();
      valuesLeft -= 1;
    } while (valuesLeft > 0 && values.getCurrentRepetitionLevel() > 0);
    return new Chunk(
        id, offset, Arrays.copyOf(buffer, count), hasId && hasOffset && hasValues, nullElements);
  }

  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close float chunks " + file, e);
    }
  }

  private static void closeQuietly(ParquetFileReader reader, Exception cause) {
    try {
      reader.close();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** Returns the projection of {@code fileSchema} on the three columns, or null if it has none. */
  static MessageType project(MessageType fileSchema) {
    Type id = field(fileSchema, FloatChunkWriteSupport.CHUNK_ID);
    Type offset = field(fileSchema, FloatChunkWriteSupport.OFFSET);
    Type values = field(fileSchema, FloatChunkWriteSupport.VALUES);
    boolean valid =
        isPrimitive(id, PrimitiveTypeName.INT32)
            && isPrimitive(offset, PrimitiveTypeName.INT64)
            && isFloatList(values);
    return valid ? new MessageType(fileSchema.getName(), id, offset, values) : null;
  }

  private static Type field(MessageType schema, String name) {
    return schema.containsField(name) ? schema.getType(name) : null;
  }

  private static boolean isPrimitive(Type type, PrimitiveTypeName primitive) {
    return type != null
        && type.isPrimitive()
        && !type.isRepetition(Type.Repetition.REPEATED)
        && type.asPrimitiveType().getPrimitiveTypeName() == primitive;
  }

  private static boolean isFloatList(Type type) {
    if (type == null
        || type.isPrimitive()
        || type.isRepetition(Type.Repetition.REPEATED)
        || !(type.getLogicalTypeAnnotation()
            instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)
        || type.asGroupType().getFieldCount() != 1) {
      return false;
    }
    Type repeated = type.asGroupType().getType(0);
    if (repeated.isPrimitive()
        || !repeated.isRepetition(Type.Repetition.REPEATED)
        || repeated.asGroupType().getFieldCount() != 1) {
      return false;
    }
    return isPrimitive(repeated.asGroupType().getType(0), PrimitiveTypeName.FLOAT);
  }
}
