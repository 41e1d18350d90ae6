package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloatChunkCursorTest {

  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  private Path written(float[] values, int chunkSize) {
    Path file = new Path(dir.resolve("v.parquet").toUri());
    FloatChunkFile.write(conf, file, values, chunkSize);
    return file;
  }

  private static float[] ramp(int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 0.5f - 3;
    }
    return values;
  }

  @Test
  void yieldsTheChunksInOrderThenNullForever() {
    float[] values = ramp(23);
    List<Long> offsets = new ArrayList<>();
    float[] copy = new float[values.length];
    try (FloatChunkCursor cursor = FloatChunkCursor.open(conf, written(values, 10), null, null)) {
      for (FloatChunkCursor.Chunk c = cursor.next(); c != null; c = cursor.next()) {
        offsets.add(c.offset());
        System.arraycopy(c.values(), 0, copy, (int) c.offset(), c.values().length);
      }
      assertThat(cursor.next()).isNull();
    }
    assertThat(offsets).containsExactly(0L, 10L, 20L);
    assertThat(copy).containsExactly(values);
  }

  @Test
  void aChecksumOtherThanTheExpectedOneFailsAtTheEnd() {
    float[] values = ramp(5);
    String other = FloatChunkFile.sha256(ramp(6));
    try (FloatChunkCursor cursor =
        FloatChunkCursor.open(conf, written(values, 2), other, "manifest")) {
      assertThat(cursor.next().values()).containsExactly(-3f, -2.5f);
      assertThat(cursor.next()).isNotNull();
      assertThat(cursor.next()).isNotNull();
      assertThatThrownBy(cursor::next)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "Cannot read float chunks: content SHA-256 "
                  + FloatChunkFile.sha256(values)
                  + " does not match manifest "
                  + other
                  + " ("
                  + cursor.file()
                  + ")");
    }
  }

  @Test
  void aMissingFileIsRefused() {
    Path missing = new Path(dir.resolve("none.parquet").toUri());
    assertThatThrownBy(() -> FloatChunkCursor.open(conf, missing, null, null))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("none.parquet");
  }
}
