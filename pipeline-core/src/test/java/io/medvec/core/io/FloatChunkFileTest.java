package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FloatChunkFileTest {
  private static final int CHUNK = FloatChunkFile.DEFAULT_CHUNK_SIZE;
  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 1_000_000})
  void roundTripIsBitExactForEveryLength(int length) {
    float[] values = gaussian(new Random(length), length);
    Path file = path("v.parquet");
    String written = FloatChunkFile.write(conf, file, values, CHUNK);

    List<Long> offsets = new ArrayList<>();
    float[] streamed = new float[length];
    String read =
        FloatChunkFile.read(
            conf,
            file,
            (offset, chunk) -> {
              offsets.add(offset);
              System.arraycopy(chunk, 0, streamed, (int) offset, chunk.length);
            });

    assertThat(rawBits(streamed)).isEqualTo(rawBits(values));
    assertThat(rawBits(FloatChunkFile.readAll(conf, file))).isEqualTo(rawBits(values));
    assertThat(offsets).hasSize((length + CHUNK - 1) / CHUNK);
    for (int i = 0; i < offsets.size(); i += 1) {
      assertThat(offsets.get(i)).isEqualTo((long) i * CHUNK);
    }
    assertThat(read).isEqualTo(written).isEqualTo(FloatChunkFile.sha256(values));
    assertThat(written).isEqualTo(referenceSha256(values));
    assertThat(FloatChunkFile.length(conf, file)).isEqualTo(length);
  }

  @Test
  void specialValuesRoundTripBitExact() {
    float[] values = {
      -0.0f,
      0.0f,
      Float.MIN_VALUE,
      -Float.MIN_VALUE,
      Float.MIN_NORMAL / 3,
      Float.MIN_NORMAL,
      Float.MAX_VALUE,
      -Float.MAX_VALUE,
      Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY,
      Float.NaN,
      1.0f,
      -1e-30f
    };
    Path file = path("special.parquet");
    FloatChunkFile.write(conf, file, values, 4); // several chunks, the last one partial
    assertThat(rawBits(FloatChunkFile.readAll(conf, file))).isEqualTo(rawBits(values));
  }

  @Test
  void nanPayloadsBecomeCanonicalNanAndHashAlike() {
    float payload = Float.intBitsToFloat(0x7fa00001);
    float negative = Float.intBitsToFloat(0xffc00000);
    float[] values = {payload, negative, 2.5f};
    Path file = path("nan.parquet");
    String written = FloatChunkFile.write(conf, file, values, 2);

    float[] back = FloatChunkFile.readAll(conf, file);
    // Parquet's plain encoder writes Float.floatToIntBits: only the canonical NaN survives
    assertThat(Float.floatToRawIntBits(back[0])).isEqualTo(Float.floatToRawIntBits(Float.NaN));
    assertThat(Float.floatToRawIntBits(back[1])).isEqualTo(Float.floatToRawIntBits(Float.NaN));
    assertThat(back[2]).isEqualTo(2.5f);
    assertThat(written)
        .isEqualTo(FloatChunkFile.sha256(back))
        .isEqualTo(FloatChunkFile.sha256(new float[] {Float.NaN, Float.NaN, 2.5f}));
  }

  @Test
  void footerHoldsLengthShaAndSparkFriendlyLayout() throws IOException {
    float[] values = gaussian(new Random(1), 3_000_000);
    Path file = path("footer.parquet");
    String sha = FloatChunkFile.write(conf, file, values, CHUNK);
    ParquetMetadata footer = footer(file);

    Map<String, String> keyValues = footer.getFileMetaData().getKeyValueMetaData();
    assertThat(keyValues)
        .containsEntry(FloatChunkFile.LENGTH_KEY, "3000000")
        .containsEntry(FloatChunkFile.SHA256_KEY, sha);
    MessageType schema = footer.getFileMetaData().getSchema();
    assertThat(schema.getType("values").getLogicalTypeAnnotation())
        .isEqualTo(LogicalTypeAnnotation.listType());
    assertThat(schema.getColumns().get(2).getPath()).containsExactly("values", "list", "element");
    // several row groups, so Spark can split the file; plain zstd pages, no dictionary
    assertThat(footer.getBlocks()).hasSizeGreaterThan(1);
    for (BlockMetaData block : footer.getBlocks()) {
      for (ColumnChunkMetaData column : block.getColumns()) {
        assertThat(column.getCodec()).isEqualTo(CompressionCodecName.ZSTD);
        assertThat(column.getEncodings())
            .doesNotContain(Encoding.BYTE_STREAM_SPLIT, Encoding.RLE_DICTIONARY);
        assertThat(column.hasDictionaryPage()).isFalse();
      }
    }
  }

  @Test
  void writeRefusesExistingFile() throws IOException {
    Path file = path("exists.parquet");
    FloatChunkFile.write(conf, file, new float[] {1, 2}, CHUNK);
    assertThatThrownBy(() -> FloatChunkFile.write(conf, file, new float[] {3}, CHUNK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot write float chunks: file already exists (" + file + ")");
    assertThat(FloatChunkFile.readAll(conf, file)).containsExactly(1, 2);
  }

  @Test
  void writeRejectsBadChunkSize() {
    assertThatThrownBy(() -> FloatChunkFile.write(conf, path("c.parquet"), new float[1], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot write float chunks: chunk size must be in [1, 16777216] (0)");
  }

  @Test
  void truncatedFileFailsNamingTheFile() throws IOException {
    Path file = path("full.parquet");
    FloatChunkFile.write(conf, file, gaussian(new Random(2), 200_000), CHUNK);
    byte[] bytes = Files.readAllBytes(dir.resolve("full.parquet"));
    Files.write(dir.resolve("half.parquet"), Arrays.copyOf(bytes, bytes.length / 2));
    Path half = path("half.parquet");

    assertThatThrownBy(() -> FloatChunkFile.readAll(conf, half))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read float chunks: not a valid Parquet file (" + half + ")");
    assertThatThrownBy(() -> FloatChunkFile.read(conf, half, (offset, chunk) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(half.toString());
  }

  @Test
  void missingFileFailsNamingTheFile() {
    Path missing = path("missing.parquet");
    assertThatThrownBy(() -> FloatChunkFile.length(conf, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read float chunks: file does not exist (" + missing + ")");
  }

  @Test
  void gapBetweenChunksIsRejected() throws IOException {
    Path file = path("gap.parquet");
    writeRaw(
        file,
        Map.of("medvec.length", "5", "medvec.sha256", "0".repeat(64)),
        new Object[] {0, 0L, new float[] {1, 2}},
        new Object[] {1, 3L, new float[] {3, 4, 5}});
    assertThatThrownBy(() -> FloatChunkFile.read(conf, file, (offset, chunk) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read float chunks: chunk 1 starts at offset 3, expected 2 (" + file + ")");
  }

  @Test
  void nonConsecutiveChunkIdsAreRejected() throws IOException {
    Path file = path("ids.parquet");
    writeRaw(
        file,
        Map.of("medvec.length", "3", "medvec.sha256", "0".repeat(64)),
        new Object[] {0, 0L, new float[] {1}},
        new Object[] {2, 1L, new float[] {2, 3}});
    assertThatThrownBy(() -> FloatChunkFile.read(conf, file, (offset, chunk) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read float chunks: expected chunk id 1 but found 2 (" + file + ")");
  }

  @Test
  void lengthDifferentFromFooterIsRejected() throws IOException {
    Path file = path("short.parquet");
    writeRaw(
        file,
        Map.of("medvec.length", "4", "medvec.sha256", "0".repeat(64)),
        new Object[] {0, 0L, new float[] {1, 2, 3}});
    assertThatThrownBy(() -> FloatChunkFile.read(conf, file, (offset, chunk) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read float chunks: chunks hold 3 floats but the footer length is 4 ("
                + file
                + ")");
  }

  @Test
  void shaMismatchIsRejectedByReadAll() throws IOException {
    Path file = path("sha.parquet");
    float[] values = {1, 2, 3};
    writeRaw(
        file,
        Map.of("medvec.length", "3", "medvec.sha256", "0".repeat(64)),
        new Object[] {0, 0L, values});
    assertThat(FloatChunkFile.read(conf, file, (offset, chunk) -> {}))
        .isEqualTo(FloatChunkFile.sha256(values));
    assertThatThrownBy(() -> FloatChunkFile.readAll(conf, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read float chunks: content SHA-256 "
                + FloatChunkFile.sha256(values)
                + " does not match footer "
                + "0".repeat(64)
                + " ("
                + file
                + ")");
  }

  @Test
  void missingFooterKeysAreRejected() throws IOException {
    Path file = path("nokeys.parquet");
    writeRaw(file, Map.of(), new Object[] {0, 0L, new float[] {1}});
    assertThatThrownBy(() -> FloatChunkFile.length(conf, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read float chunks: footer lacks medvec.length or medvec.sha256 (" + file + ")");
  }

  @Test
  void otherSchemaIsRejected() {
    Path file = path("table.parquet");
    java.util.LinkedHashMap<String, SimpleParquet.Type> columns = new java.util.LinkedHashMap<>();
    columns.put("chunk_id", SimpleParquet.Type.INT32);
    SimpleParquet.write(conf, file, columns, List.<Object[]>of(new Object[] {1}));
    assertThatThrownBy(() -> FloatChunkFile.length(conf, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read float chunks: expected columns chunk_id int32")
        .hasMessageEndingWith("(" + file + ")");
  }

  /** Writes rows {chunk_id, offset, float[]} with the example Group writer, bypassing checks. */
  private void writeRaw(Path file, Map<String, String> footer, Object[]... rows)
      throws IOException {
    MessageType schema = FloatChunkWriteSupport.SCHEMA;
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
            .withConf(conf)
            .withType(schema)
            .withExtraMetaData(footer)
            .withWriterVersion(WriterVersion.PARQUET_1_0)
            .build()) {
      for (Object[] row : rows) {
        Group group =
            groups.newGroup().append("chunk_id", (Integer) row[0]).append("offset", (Long) row[1]);
        Group list = group.addGroup("values");
        for (float value : (float[]) row[2]) {
          list.addGroup("list").append("element", value);
        }
        writer.write(group);
      }
    }
  }

  private ParquetMetadata footer(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getFooter();
    }
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  private static float[] gaussian(Random random, int length) {
    float[] values = new float[length];
    for (int i = 0; i < length; i += 1) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static int[] rawBits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i += 1) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static String referenceSha256(float[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      bytes.putFloat(value);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
