package io.medvec.core.io;

import io.medvec.core.io.FloatChunkColumns.Chunk;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads the chunks with ids {@code [first, end)} of a {@link FloatChunkFile}, decoding only the row
 * groups that hold them (the footer's row counts say which: rows are chunks in id order), straight
 * from Parquet's column readers. Several readers can so share one file by chunk range.
 *
 * <p>The whole-content SHA-256 needs every chunk in order, so a range cannot check it. Instead the
 * footer's SHA-256 must equal the expected one (the file is the one the manifest names), its length
 * the expected length, every page's CRC-32 is verified as it is decoded (corrupted bytes fail), and
 * the range's chunks must have consecutive ids and contiguous offsets. Across ranges, the caller
 * checks that each range ends where the next begins.
 */
public final class FloatChunkRange {

  /** A file's length (floats) and number of chunks, from its footer. */
  public record Shape(long length, int chunks) {}

  private FloatChunkRange() {}

  /** The file's length (floats) and number of chunks, from its footer. */
  public static Shape shape(Configuration conf, Path file) {
    try (FloatChunkColumns columns = FloatChunkColumns.open(conf, file)) {
      long rows = 0;
      for (int g = 0; g < columns.rowGroups(); g++) {
        rows += columns.rows(g);
      }
      return new Shape(columns.footer().length(), Math.toIntExact(rows));
    }
  }

  /**
   * Streams chunks {@code [first, end)} of {@code file} in order to {@code consumer}. The footer's
   * SHA-256 must be {@code expectedSha256} and its length {@code expectedLength}; IAE naming the
   * file otherwise, or when the file has fewer chunks or they are not contiguous.
   */
  public static void read(
      Configuration conf,
      Path file,
      String expectedSha256,
      long expectedLength,
      int first,
      int end,
      FloatChunkFile.ChunkConsumer consumer) {
    if (first < 0 || end < first) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: invalid chunk range ["
              + first
              + ", "
              + end
              + ") ("
              + file
              + ")");
    }
    try (FloatChunkColumns columns = FloatChunkColumns.open(conf, file, true)) {
      requireFooter(columns, file, expectedSha256, expectedLength);
      long groupStart = 0;
      int nextId = first;
      long nextOffset = -1;
      for (int g = 0; g < columns.rowGroups() && nextId < end; g++) {
        long groupEnd = groupStart + columns.rows(g);
        if (groupEnd > first) {
          columns.selectRowGroup(g);
          for (Chunk chunk = columns.next(); chunk != null; chunk = columns.next()) {
            if (chunk.id() >= first && chunk.id() < end) {
              nextOffset = check(chunk, nextId, nextOffset, expectedLength, file);
              nextId += 1;
              consumer.accept(chunk.offset(), chunk.values());
            }
          }
        }
        groupStart = groupEnd;
      }
      if (nextId != end) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot read float chunks: expected chunks [%d, %d) but the file ends at chunk %d (%s)",
                first, end, nextId, file));
      }
    }
  }

  private static void requireFooter(
      FloatChunkColumns columns, Path file, String expectedSha256, long expectedLength) {
    FloatChunkFile.Footer footer = columns.footer();
    if (!footer.sha256().equals(expectedSha256)) {
      throw new IllegalArgumentException(
          "Cannot read float chunks: footer SHA-256 "
              + footer.sha256()
              + " does not match manifest "
              + expectedSha256
              + " ("
              + file
              + ")");
    }
    if (footer.length() != expectedLength) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot read float chunks: footer length %d, expected %d (%s)",
              footer.length(), expectedLength, file));
    }
  }

  /** Checks one chunk of the range; returns the offset the next one must start at. */
  private static long check(Chunk chunk, int id, long offset, long length, Path file) {
    if (!chunk.complete() || chunk.nullElements() > 0) {
      throw invalid(file, "chunk %d has null fields or elements", id);
    }
    if (chunk.id() != id) {
      throw invalid(file, "expected chunk id %d but found %d", id, chunk.id());
    }
    if (offset >= 0 && chunk.offset() != offset) {
      throw invalid(file, "chunk %d starts at offset %d, expected %d", id, chunk.offset(), offset);
    }
    long next = chunk.offset() + chunk.values().length;
    if (chunk.offset() < 0 || next > length) {
      throw invalid(file, "chunk %d holds values beyond the footer length %d", id, length);
    }
    return next;
  }

  private static IllegalArgumentException invalid(Path file, String why, Object... args) {
    return new IllegalArgumentException(
        "Cannot read float chunks: " + String.format(why, args) + " (" + file + ")");
  }
}
