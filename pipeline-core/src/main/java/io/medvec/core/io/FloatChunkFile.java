package io.medvec.core.io;

import io.medvec.core.io.FloatChunkColumns.Chunk;
import io.medvec.core.io.FloatChunkWriteSupport.Slice;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A float vector stored as Parquet rows (chunk_id int32, offset int64, values list&lt;float&gt;),
 * zstd, dictionary off, plain encodings (no BYTE_STREAM_SPLIT: Spark's vectorized reader rejects
 * it). Must be readable by Spark's parquet reader and any plain Parquet reader (standard 3-level
 * LIST).
 *
 * <p>Spark sees the schema {@code chunk_id INT NOT NULL, offset BIGINT NOT NULL, values ARRAY<FLOAT
 * NOT NULL> NOT NULL}; row order in the file is chunk order, but Spark may split a file by row
 * group, so order rows by {@code chunk_id} there.
 *
 * <p>Round trips are bit-exact except for NaN: Parquet's plain encoder writes every NaN as the
 * canonical NaN (0x7fc00000), so payloads and signs of NaNs are lost, and the content SHA-256 is
 * defined over {@link Float#floatToIntBits} to match.
 */
public final class FloatChunkFile {
  public static final int DEFAULT_CHUNK_SIZE = 65_536;

  /** Largest chunk accepted by {@link #write}: one chunk is one Parquet row held in memory. */
  public static final int MAX_CHUNK_SIZE = 1 << 24;

  /** Footer key holding the number of floats. */
  public static final String LENGTH_KEY = "medvec.length";

  /** Footer key holding the content SHA-256 (lowercase hex). */
  public static final String SHA256_KEY = "medvec.sha256";

  // about 1 MB: several row groups per vector, so Spark can split a file across tasks and the merge
  // can decode one vector with several threads holding one group each (OrderedChunkReader)
  private static final long ROW_GROUP_BYTES = 1L << 20;
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Logger LOG = LoggerFactory.getLogger(FloatChunkFile.class);

  private FloatChunkFile() {}

  /** Receives the chunks of a file in order. */
  @FunctionalInterface
  public interface ChunkConsumer {
    /** Called once per chunk; {@code values} is a fresh array the consumer may keep. */
    void accept(long offset, float[] values);
  }

  /**
   * Writes values in chunks; returns the content SHA-256 (hex, lowercase) of the floats as
   * little-endian IEEE-754 bytes in order. Overwrites nothing: fails if file exists. Stores the
   * total length and sha256 in the footer key-value metadata ("medvec.length", "medvec.sha256").
   */
  public static String write(Configuration conf, Path file, float[] values, int chunkSize) {
    checkNotNull(conf, file, "write float chunks");
    if (values == null) {
      throw new IllegalArgumentException(
          "Cannot write float chunks: values are null (" + file + ")");
    }
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot write float chunks: chunk size must be in [1, %d] (%d)",
              MAX_CHUNK_SIZE, chunkSize));
    }
    String sha = sha256(values);
    Map<String, String> footer = Map.of(LENGTH_KEY, Long.toString(values.length), SHA256_KEY, sha);
    try {
      writeAndClose(conf, file, openWriter(conf, file, footer), values, chunkSize);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write float chunks to " + file, e);
    }
    LOG.debug("Wrote {} floats in chunks of {} to {}", values.length, chunkSize, file);
    return sha;
  }

  /**
   * Streams chunks in file order to the consumer (offset, values). Validates: chunk ids consecutive
   * from 0, offsets contiguous, total == footer length; IAE naming the file otherwise. Returns the
   * content SHA-256 computed while reading; it is not compared with the footer here (see {@link
   * #readAll}), because the consumer has seen the data by then.
   */
  public static String read(Configuration conf, Path file, ChunkConsumer consumer) {
    checkNotNull(conf, file, "read float chunks");
    if (consumer == null) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: consumer is null (" + file + ")");
    }
    try (FloatChunkColumns columns = FloatChunkColumns.open(conf, file)) {
      return read(columns, consumer);
    }
  }

  /** Reads the whole vector and verifies that its SHA-256 matches the footer. */
  public static float[] readAll(Configuration conf, Path file) {
    checkNotNull(conf, file, "read float chunks");
    try (FloatChunkColumns columns = FloatChunkColumns.open(conf, file)) {
      Footer footer = columns.footer();
      long length = footer.length();
      if (length > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks into one array: too long (%d) (%s)", length, file));
      }
      float[] values = new float[(int) length];
      String sha =
          read(
              columns,
              (offset, chunk) -> System.arraycopy(chunk, 0, values, (int) offset, chunk.length));
      String expected = footer.sha256();
      if (!sha.equals(expected)) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks: content SHA-256 %s does not match footer %s (%s)",
                sha, expected, file));
      }
      return values;
    }
  }

  /** Number of floats, from the footer. */
  public static long length(Configuration conf, Path file) {
    checkNotNull(conf, file, "read float chunk length");
    return readFooter(conf, file).length();
  }

  /** SHA-256 as defined for {@link #write} (NaNs hashed as the canonical NaN). */
  public static String sha256(float[] values) {
    if (values == null) {
      throw new IllegalArgumentException("Cannot hash floats: values are null");
    }
    FloatDigest digest = new FloatDigest();
    digest.update(values, 0, values.length);
    return digest.hex();
  }

  private static String read(FloatChunkColumns columns, ChunkConsumer consumer) {
    ChunkSequence sequence = new ChunkSequence(columns.file(), columns.footer().length());
    for (Chunk chunk = columns.next(); chunk != null; chunk = columns.next()) {
      sequence.check(chunk);
      consumer.accept(chunk.offset(), chunk.values());
    }
    return sequence.finish();
  }

  private static ParquetWriter<Slice> openWriter(
      Configuration conf, Path file, Map<String, String> footer) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    if (fs.exists(file)) {
      throw new IllegalArgumentException(
          "Cannot write float chunks: file already exists (" + file + ")");
    }
    try {
      return new WriterBuilder(HadoopOutputFile.fromPath(file, conf), footer)
          .withConf(conf)
          .withWriteMode(ParquetFileWriter.Mode.CREATE)
          .withCompressionCodec(CompressionCodecName.ZSTD)
          .withDictionaryEncoding(false)
          .withByteStreamSplitEncoding(false)
          .withWriterVersion(WriterVersion.PARQUET_1_0)
          .withRowGroupSize(ROW_GROUP_BYTES)
          // rows are large: check buffered sizes after every row, not after 100 of them
          .withMinRowCountForPageSizeCheck(1)
          .withMaxRowCountForPageSizeCheck(16)
          .build();
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(
          "Cannot write float chunks: file already exists (" + file + ")", e);
    }
  }

  private static void writeAndClose(
      Configuration conf, Path file, ParquetWriter<Slice> writer, float[] values, int chunkSize)
      throws IOException {
    try {
      int id = 0;
      for (int from = 0; from < values.length; from += chunkSize) {
        writer.write(new Slice(id, from, values, from, Math.min(chunkSize, values.length - from)));
        id += 1;
      }
      writer.close();
    } catch (IOException | RuntimeException e) {
      // never leave a partial file that a later reader could mistake for a vector
      closeQuietly(writer, e);
      deleteQuietly(conf, file, e);
      throw e;
    }
  }

  private static void closeQuietly(ParquetWriter<Slice> writer, Exception cause) {
    try {
      writer.close();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  private static void deleteQuietly(Configuration conf, Path file, Exception cause) {
    try {
      file.getFileSystem(conf).delete(file, false);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  static Footer readFooter(Configuration conf, Path file) {
    try (FloatChunkColumns columns = FloatChunkColumns.open(conf, file)) {
      return columns.footer();
    }
  }

  static InputFile inputFile(Configuration conf, Path file) throws IOException {
    try {
      return HadoopInputFile.fromPath(file, conf);
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: file does not exist (" + file + ")", e);
    }
  }

  private static void checkNotNull(Configuration conf, Path file, String action) {
    if (conf == null || file == null) {
      throw new IllegalArgumentException(
          "Cannot " + action + ": configuration or path is null (" + file + ")");
    }
  }

  /** Length and SHA-256 recorded in the footer. */
  record Footer(long length, String sha256) {
    static Footer parse(Map<String, String> keyValues, Path file) {
      String length = keyValues.get(LENGTH_KEY);
      String sha = keyValues.get(SHA256_KEY);
      if (length == null || sha == null) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks: footer lacks %s or %s (%s)",
                LENGTH_KEY, SHA256_KEY, file));
      }
      long parsed = -1;
      try {
        parsed = Long.parseLong(length);
      } catch (NumberFormatException e) {
        // reported below with the value
      }
      if (parsed < 0 || !SHA256_HEX.matcher(sha).matches()) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks: invalid footer length %s or sha256 %s (%s)",
                length, sha, file));
      }
      return new Footer(parsed, sha);
    }
  }

  /** Checks ids, offsets and total length chunk by chunk, hashing the content on the way. */
  static final class ChunkSequence {
    private final Path file;
    private final long expectedLength;
    private final FloatDigest digest = new FloatDigest();
    private int nextId;
    private long nextOffset;

    ChunkSequence(Path file, long expectedLength) {
      this.file = file;
      this.expectedLength = expectedLength;
    }

    void check(Chunk chunk) {
      if (!chunk.complete() || chunk.nullElements() > 0) {
        throw invalid("chunk %d has null fields or elements", nextId);
      }
      if (chunk.id() != nextId) {
        throw invalid("expected chunk id %d but found %d", nextId, chunk.id());
      }
      if (chunk.offset() != nextOffset) {
        throw invalid(
            "chunk %d starts at offset %d, expected %d", nextId, chunk.offset(), nextOffset);
      }
      nextOffset += chunk.values().length;
      if (nextOffset > expectedLength) {
        throw invalid("chunks hold more than the footer length %d", expectedLength);
      }
      digest.update(chunk.values(), 0, chunk.values().length);
      nextId += 1;
    }

    String finish() {
      if (nextOffset != expectedLength) {
        throw invalid(
            "chunks hold %d floats but the footer length is %d", nextOffset, expectedLength);
      }
      return digest.hex();
    }

    private IllegalArgumentException invalid(String why, Object... args) {
      return new IllegalArgumentException(
          "Cannot read float chunks: " + String.format(why, args) + " (" + file + ")");
    }
  }

  private static final class WriterBuilder extends ParquetWriter.Builder<Slice, WriterBuilder> {
    private final Map<String, String> footer;

    WriterBuilder(OutputFile file, Map<String, String> footer) {
      super(file);
      this.footer = footer;
    }

    @Override
    protected WriterBuilder self() {
      return this;
    }

    // still abstract in Parquet 1.15; the ParquetConfiguration overload delegates here
    @SuppressWarnings("deprecation")
    @Override
    protected WriteSupport<Slice> getWriteSupport(Configuration conf) {
      return new FloatChunkWriteSupport(footer);
    }
  }
}
