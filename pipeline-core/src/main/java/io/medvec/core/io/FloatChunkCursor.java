package io.medvec.core.io;

import io.medvec.core.io.FloatChunkFile.ChunkSequence;
import io.medvec.core.io.FloatChunkFile.Footer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Pull-style reading of a {@link FloatChunkFile}, one chunk per {@link #next()} call, so that a
 * caller can walk several files in lock-step (memory: one chunk and one Parquet row group per open
 * cursor). Chunks are validated as {@link FloatChunkFile#read} validates them; when the last chunk
 * has been read the content SHA-256 is compared with the expected one, so a corrupt file fails at
 * the latest on the call that reports the end.
 */
public final class FloatChunkCursor implements AutoCloseable {

  /** One chunk: its first element's offset and its values (a fresh array the caller may keep). */
  public record Chunk(long offset, float[] values) {}

  private final Path file;
  private final String expectedSha256;
  private final String what;
  private final ChunkSequence sequence;
  private final FloatChunkColumns columns;
  private boolean finished;

  private FloatChunkCursor(
      Path file, String expectedSha256, String what, FloatChunkColumns columns) {
    this.file = file;
    this.expectedSha256 = expectedSha256;
    this.what = what;
    this.sequence = new ChunkSequence(file, columns.footer().length());
    this.columns = columns;
  }

  /**
   * Opens {@code file}; at the end its content SHA-256 must equal {@code expectedSha256}, or the
   * footer's when that is null. {@code what} names the expected checksum's source in errors.
   */
  public static FloatChunkCursor open(
      Configuration conf, Path file, String expectedSha256, String what) {
    if (conf == null || file == null) {
      throw new IllegalArgumentException(
          "Cannot open float chunks: configuration or path is null (" + file + ")");
    }
    FloatChunkColumns columns = FloatChunkColumns.open(conf, file);
    Footer footer = columns.footer();
    String expected = expectedSha256 == null ? footer.sha256() : expectedSha256;
    String source = expectedSha256 == null ? "footer" : what;
    return new FloatChunkCursor(file, expected, source, columns);
  }

  /**
   * The next chunk, or null after the last one (once the length and checksum have been verified).
   */
  public Chunk next() {
    if (finished) {
      return null;
    }
    Chunk chunk = read();
    if (chunk == null) {
      finished = true;
      String sha = sequence.finish();
      if (!sha.equals(expectedSha256)) {
        throw new IllegalArgumentException(
            "Cannot read float chunks: content SHA-256 "
                + sha
                + " does not match "
                + what
                + " "
                + expectedSha256
                + " ("
                + file
                + ")");
      }
    }
    return chunk;
  }

  /** The file being read. */
  public Path file() {
    return file;
  }

  private Chunk read() {
    FloatChunkColumns.Chunk raw = columns.next();
    if (raw == null) {
      return null;
    }
    sequence.check(raw);
    return new Chunk(raw.offset(), raw.values());
  }

  @Override
  public void close() {
    columns.close();
  }
}
