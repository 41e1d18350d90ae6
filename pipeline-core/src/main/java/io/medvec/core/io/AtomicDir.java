package io.medvec.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directory output that becomes visible only when complete.
 *
 * <p>Write everything into {@link #tmp()}, then {@link #commit()}; use it in try-with-resources
 * so that a failed job leaves no temporary directory behind:
 *
 * <pre>{@code
 * try (AtomicDir out = AtomicDir.begin(conf, target)) {
 *   FloatChunkFile.write(conf, new Path(out.tmp(), "vector.parquet"), values, chunk);
 *   out.commit();
 * }
 * }</pre>
 *
 * <p>Replacing an existing target takes two renames, so a reader may briefly find no target at
 * all, but never a partial one. On HDFS and local file systems directory renames are atomic; on
 * object stores (s3a) they are copies and this class gives no atomicity.
 */
public final class AtomicDir implements AutoCloseable {
  /** Marker file written into the directory just before it becomes visible. */
  public static final String SUCCESS_MARKER = "_SUCCESS";

  private static final Logger LOG = LoggerFactory.getLogger(AtomicDir.class);

  private final FileSystem fs;
  private final Path target;
  private final Path tmp;
  private boolean committed;
  private boolean closed;

  private AtomicDir(FileSystem fs, Path target, Path tmp) {
    this.fs = fs;
    this.target = target;
    this.tmp = tmp;
  }

  /**
   * Creates a hidden temp dir next to target: {@code <parent>/_tmp-<target name>-<uuid>}, hidden
   * from Spark/Hadoop readers by the leading underscore. A '=' in the target name becomes '-':
   * Spark lists a name that starts with '_' but contains '=' as a partition directory, so
   * {@code _tmp-run_id=X-…} would break every read of a hive-partitioned table while a writer
   * runs or after it crashed.
   */
  public static AtomicDir begin(Configuration conf, Path target) {
    if (conf == null || target == null) {
      throw new IllegalArgumentException(
          "Cannot begin atomic directory: configuration or target is null (" + target + ")");
    }
    try {
      FileSystem fs = target.getFileSystem(conf);
      Path qualified = HadoopFiles.normalize(fs.makeQualified(target));
      if (qualified.getParent() == null) {
        throw new IllegalArgumentException(
            "Cannot begin atomic directory: target has no parent (" + qualified + ")");
      }
      Path tmp = sibling(qualified, "_tmp-");
      if (!fs.mkdirs(tmp)) {
        throw new IOException("mkdirs returned false for " + tmp);
      }
      LOG.debug("Writing {} through {}", qualified, tmp);
      return new AtomicDir(fs, qualified, tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot begin atomic directory for " + target, e);
    }
  }

  /** Whether {@code dir} holds a {@value #SUCCESS_MARKER} marker. */
  public static boolean isComplete(Configuration conf, Path dir) {
    if (conf == null || dir == null) {
      throw new IllegalArgumentException(
          "Cannot check directory: configuration or path is null (" + dir + ")");
    }
    try {
      return dir.getFileSystem(conf).exists(new Path(dir, SUCCESS_MARKER));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check for " + SUCCESS_MARKER + " in " + dir, e);
    }
  }

  public Path tmp() {
    return tmp;
  }

  public Path target() {
    return target;
  }

  public FileSystem fs() {
    return fs;
  }

  /**
   * Writes a _SUCCESS marker into tmp, then replaces target: if it exists, rename it aside to
   * {@code <parent>/_old-<name>-<uuid>}, rename tmp to target, delete the old one. If the rename
   * fails, restore the old one and throw.
   */
  public void commit() {
    if (committed || closed) {
      throw new IllegalStateException(
          "Cannot commit atomic directory: already " + (committed ? "committed" : "closed") + " (" + target + ")");
    }
    FaultPoints.beforeCommit(target, tmp);
    try {
      // overwrite: a Spark writer inside tmp leaves its own (empty) _SUCCESS marker
      fs.create(new Path(tmp, SUCCESS_MARKER), true).close();
      Path old = fs.exists(target) ? moveAside() : null;
      if (!fs.rename(tmp, target)) {
        restore(old);
        throw new IOException("rename returned false: " + tmp + " -> " + target);
      }
      committed = true;
      deleteOld(old);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot commit atomic directory " + target, e);
    }
    LOG.info("Committed {}", target);
  }

  /** If not committed, deletes tmp recursively (never the target). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (committed) {
      return;
    }
    try {
      fs.delete(tmp, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete temporary directory " + tmp, e);
    }
  }

  private Path moveAside() throws IOException {
    Path old = sibling(target, "_old-");
    if (!fs.rename(target, old)) {
      throw new IOException("rename returned false: " + target + " -> " + old);
    }
    return old;
  }

  private void restore(Path old) throws IOException {
    if (old != null && !fs.rename(old, target)) {
      throw new IllegalStateException(
          "Cannot restore previous output: rename " + old + " -> " + target + " failed");
    }
  }

  private void deleteOld(Path old) {
    try {
      if (old != null && !fs.delete(old, true)) {
        LOG.warn("Could not delete previous output {}", old);
      }
    } catch (IOException e) {
      // the new output is already in place; a leftover hidden directory is harmless
      LOG.warn("Could not delete previous output {}", old, e);
    }
  }

  private static Path sibling(Path path, String prefix) {
    return new Path(path.getParent(), prefix + path.getName().replace('=', '-') + "-" + UUID.randomUUID());
  }
}
