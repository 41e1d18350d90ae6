package io.medvec.core.source;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;

/**
 * The bytes column of a Parquet manifest, fetched for requested examples in chunks of {@link
 * #CHUNK}: each chunk continues the current scan when its rows lie ahead of it and restarts the
 * scan otherwise, so rows asked for in table order cost one pass and memory stays at one chunk of
 * encoded images.
 */
final class TableBytes implements AutoCloseable {

  static final int CHUNK = 64;

  private final Configuration conf;
  private final Path table;
  private final String column;
  private final List<Example> wanted;
  private final Map<Long, byte[]> chunk = new HashMap<>();
  private ParquetRows rows;
  private long nextRow;
  private int served;

  TableBytes(Configuration conf, Path table, String column, List<Example> wanted) {
    this.conf = conf;
    this.table = table;
    this.column = column;
    this.wanted = List.copyOf(wanted);
  }

  /** The bytes of {@code e}, which must be the next example of the requested list. */
  byte[] bytes(Example e) {
    if (served % CHUNK == 0) {
      fill(served);
    }
    served++;
    byte[] bytes = chunk.get(row(e));
    if (bytes == null) {
      throw new IllegalArgumentException(
          "Cannot read image " + e.location() + ": no bytes in column '" + column + "'");
    }
    return bytes;
  }

  private void fill(int from) {
    chunk.clear();
    TreeSet<Long> needed = new TreeSet<>();
    for (int i = from; i < Math.min(wanted.size(), from + CHUNK); i++) {
      needed.add(row(wanted.get(i)));
    }
    if (rows == null || needed.first() < nextRow) {
      close();
      rows = new ParquetRows(conf, table, List.of(column));
      nextRow = 0;
    }
    while (nextRow <= needed.last()) {
      Group g = rows.next();
      if (g == null) {
        break;
      }
      if (needed.contains(nextRow)) {
        chunk.put(nextRow, ParquetRows.bytes(g, column));
      }
      nextRow++;
    }
  }

  private static long row(Example e) {
    String location = e.location();
    return Long.parseLong(location.substring(location.lastIndexOf('#') + 1));
  }

  @Override
  public void close() {
    if (rows != null) {
      rows.close();
      rows = null;
    }
  }
}
