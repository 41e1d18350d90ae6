package io.medvec.core.io;

import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Materialises rows (chunk_id, offset, values) straight into float arrays, without the
 * per-value objects of the example Group API. Accepts required or optional columns (Spark
 * writes optional ones) and reports missing values instead of failing, so that the caller can
 * name the file in its error.
 */
final class FloatChunkReadSupport extends ReadSupport<FloatChunkReadSupport.Chunk> {

  /** One row; {@code complete} is false when chunk_id, offset or values is null. */
  record Chunk(int id, long offset, float[] values, boolean complete, int nullElements) {}

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

  @Override
  public ReadContext init(InitContext context) {
    MessageType projection = project(context.getFileSchema());
    if (projection == null) {
      // FloatChunkFile checks the schema from the footer before it opens a reader
      throw new IllegalStateException(
          "Cannot read float chunks: schema not checked (" + context.getFileSchema() + ")");
    }
    return new ReadContext(projection);
  }

  // still abstract in Parquet 1.15; the ParquetConfiguration overload delegates here
  @SuppressWarnings("deprecation")
@Override
  public RecordMaterializer<Chunk> prepareForRead(
      Configuration configuration,
      Map<String, String> keyValueMetaData,
      MessageType fileSchema,
      ReadContext readContext) {
    return new Materializer();
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
        || !(type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation)
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

  /** Root converter: one instance reused for every row; each row gets a fresh array. */
  private static final class Materializer extends RecordMaterializer<Chunk> {
    private float[] buffer = new float[1024];
    private int count;
    private int id;
    private long offset;
    private boolean hasId;
    private boolean hasOffset;
    private boolean hasValues;
    private int nullElements;
    private boolean elementSeen;
    private Chunk current;

    private final PrimitiveConverter idConverter =
        new PrimitiveConverter() {
          @Override
          public void addInt(int value) {
            id = value;
            hasId = true;
          }
        };

    private final PrimitiveConverter offsetConverter =
        new PrimitiveConverter() {
          @Override
          public void addLong(long value) {
            offset = value;
            hasOffset = true;
          }
        };

    private final PrimitiveConverter elementConverter =
        new PrimitiveConverter() {
          @Override
          public void addFloat(float value) {
            if (count == buffer.length) {
              buffer = Arrays.copyOf(buffer, Math.max(16, buffer.length * 2));
            }
            buffer[count++] = value;
            elementSeen = true;
          }
        };

    private final GroupConverter listConverter =
        new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return elementConverter;
          }

          @Override
          public void start() {
            elementSeen = false;
          }

          @Override
          public void end() {
            nullElements += elementSeen ? 0 : 1;
          }
        };

    private final GroupConverter valuesConverter =
        new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return listConverter;
          }

          @Override
          public void start() {
            hasValues = true;
          }

          @Override
          public void end() {}
        };

    private final GroupConverter root =
        new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return switch (fieldIndex) {
              case 0 -> idConverter;
              case 1 -> offsetConverter;
              case 2 -> valuesConverter;
              default -> throw new IllegalStateException(
                  "Cannot convert float chunk: unexpected field index (" + fieldIndex + ")");
            };
          }

          @Override
          public void start() {
            count = 0;
            nullElements = 0;
            hasId = false;
            hasOffset = false;
            hasValues = false;
          }

          @Override
          public void end() {
            boolean complete = hasId && hasOffset && hasValues;
            current = new Chunk(id, offset, Arrays.copyOf(buffer, count), complete, nullElements);
          }
        };

    @Override
    public Chunk getCurrentRecord() {
      return current;
    }

    @Override
    public GroupConverter getRootConverter() {
      return root;
    }
  }
}
