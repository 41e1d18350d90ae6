package io.medvec.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimpleParquetTest {
  private final Configuration conf = new Configuration();

  @TempDir java.nio.file.Path dir;

  @Test
  void roundTripsAllTypesIncludingNulls() {
    Path file = path("t.parquet");
    List<Object[]> rows =
        List.of(
            new Object[] {1, 10L, 0.5, "a"},
            new Object[] {Integer.MIN_VALUE, Long.MAX_VALUE, Double.NaN, "Zürich ✓"},
            new Object[] {null, null, null, null},
            new Object[] {-7, -1L, -0.0, ""});
    SimpleParquet.write(conf, file, columns(), rows);

    List<Map<String, Object>> back = SimpleParquet.read(conf, file);
    assertThat(back).hasSize(rows.size());
    for (int i = 0; i < rows.size(); i += 1) {
      assertThat(back.get(i).keySet()).containsExactly("hospital", "count", "score", "name");
      assertThat(back.get(i).values().toArray()).isEqualTo(rows.get(i));
    }
    assertThat(Double.doubleToRawLongBits((Double) back.get(3).get("score")))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @Test
  void readsDirectoryOfPartsSkippingHiddenFiles() throws IOException {
    Files.createDirectories(dir.resolve("table"));
    SimpleParquet.write(
        conf,
        path("table/part-00001.parquet"),
        columns(),
        List.<Object[]>of(new Object[] {2, 2L, 2.0, "b"}));
    SimpleParquet.write(
        conf,
        path("table/part-00000.parquet"),
        columns(),
        List.<Object[]>of(new Object[] {1, 1L, 1.0, "a"}));
    Files.writeString(dir.resolve("table/_SUCCESS"), "");
    Files.writeString(dir.resolve("table/.hidden"), "not parquet");

    List<Map<String, Object>> rows = SimpleParquet.read(conf, path("table"));
    assertThat(rows).extracting(row -> row.get("name")).containsExactly("a", "b");
  }

  @Test
  void writeRejectsBadRows() {
    Path file = path("bad.parquet");
    assertThatThrownBy(
            () ->
                SimpleParquet.write(
                    conf, file, columns(), List.<Object[]>of(new Object[] {1, 1, 1.0, "x"})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot write table: row 0 column count needs Long but got Integer (1) (" + file + ")");
    assertThatThrownBy(
            () -> SimpleParquet.write(conf, file, columns(), List.<Object[]>of(new Object[] {1})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot write table: row 0 has 1 values, expected 4 (" + file + ")");
    assertThat(Files.exists(dir.resolve("bad.parquet"))).isFalse();
  }

  @Test
  void writeRefusesExistingFile() {
    Path file = path("once.parquet");
    SimpleParquet.write(conf, file, columns(), new ArrayList<>());
    assertThat(SimpleParquet.read(conf, file)).isEmpty();
    assertThatThrownBy(() -> SimpleParquet.write(conf, file, columns(), new ArrayList<>()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot write table: file already exists (" + file + ")");
  }

  @Test
  void readRejectsMissingAndNestedFiles() {
    Path missing = path("missing.parquet");
    assertThatThrownBy(() -> SimpleParquet.read(conf, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read table: file does not exist (" + missing + ")");
    Path vector = path("vector.parquet");
    FloatChunkFile.write(conf, vector, new float[] {1, 2}, 8);
    assertThatThrownBy(() -> SimpleParquet.read(conf, vector))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "Cannot read table: unsupported column required group values (LIST)")
        .hasMessageEndingWith("(" + vector + ")");
  }

  @Test
  void readRejectsNonParquetFile() throws IOException {
    Files.writeString(dir.resolve("text.parquet"), "this is not parquet, only long enough text");
    Path file = path("text.parquet");
    assertThatThrownBy(() -> SimpleParquet.read(conf, file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read table: not a valid Parquet file (" + file + ")");
  }

  private static LinkedHashMap<String, SimpleParquet.Type> columns() {
    LinkedHashMap<String, SimpleParquet.Type> columns = new LinkedHashMap<>();
    columns.put("hospital", SimpleParquet.Type.INT32);
    columns.put("count", SimpleParquet.Type.INT64);
    columns.put("score", SimpleParquet.Type.DOUBLE);
    columns.put("name", SimpleParquet.Type.STRING);
    return columns;
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }
}
