package io.medvec.core.io;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/** Writes {@link Slice}s as rows (chunk_id, offset, values) without copying the floats. */
final class FloatChunkWriteSupport extends WriteSupport<FloatChunkWriteSupport.Slice> {
  static final String CHUNK_ID = "chunk_id";
  static final String OFFSET = "offset";
  static final String VALUES = "values";

  /** The standard 3-level LIST that Spark writes and reads as array&lt;float&gt;. */
  static final MessageType SCHEMA =
      Types.buildMessage()
          .required(PrimitiveTypeName.INT32)
          .named(CHUNK_ID)
          .required(PrimitiveTypeName.INT64)
          .named(OFFSET)
          .requiredGroup()
          .as(LogicalTypeAnnotation.listType())
          .repeatedGroup()
          .required(PrimitiveTypeName.FLOAT)
          .named("element")
          .named("list")
          .named(VALUES)
          .named("medvec_float_chunks");

  /** Chunk {@code id}: {@code length} floats of {@code source} from {@code from}. */
  record Slice(int id, long offset, float[] source, int from, int length) {}

  private final Map<String, String> footer;
  private RecordConsumer consumer;

  FloatChunkWriteSupport(Map<String, String> footer) {
    this.footer = Map.copyOf(footer);
  }

  // still abstract in Parquet 1.15; the ParquetConfiguration overload delegates here
  @SuppressWarnings("deprecation")
  @Override
  public WriteContext init(Configuration configuration) {
    return new WriteContext(SCHEMA, footer);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.consumer = recordConsumer;
  }

  @Override
  public void write(Slice slice) {
    consumer.startMessage();
    consumer.startField(CHUNK_ID, 0);
    consumer.addInteger(slice.id());
    consumer.endField(CHUNK_ID, 0);
    consumer.startField(OFFSET, 1);
    consumer.addLong(slice.offset());
    consumer.endField(OFFSET, 1);
    consumer.startField(VALUES, 2);
    consumer.startGroup();
    if (slice.length() > 0) {
      // an empty list must not start its repeated field at all
      consumer.startField("list", 0);
      for (int i = slice.from(); i < slice.from() + slice.length(); i += 1) {
        consumer.startGroup();
        consumer.startField("element", 0);
        consumer.addFloat(slice.source()[i]);
        consumer.endField("element", 0);
        consumer.endGroup();
      }
      consumer.endField("list", 0);
    }
    consumer.endGroup();
    consumer.endField(VALUES, 2);
    consumer.endMessage();
  }
}
