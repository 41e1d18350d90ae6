package io.medvec.core.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directory output that becomes visible only when complete.
 *
 * <p>Write everything into {@link #tmp()}, then {@link #commit()}; use it in try-with-resources so
 * that a failed job leaves no temporary directory behind:
 *
 * <pre>{@code
 * try (AtomicDir out = AtomicDir.begin(conf, target)) {
 *   FloatChunkFile.write(conf, new Path(out.tmp(), "vector.parquet"), values, chunk);
 *   out.commit();
 * }
 * }</pre>
 *
 * <p>Replacing an existing target takes two renames, so a reader may briefly find no target at all,
 * but never a partial one. On HDFS and local file systems directory renames are atomic; on object
 * stores (s3a) they are copies and this class gives no atomicity.
 *
 * <p>Recovery. A writer killed between the two renames leaves no target, the previous version moved
 * aside ({@code _old-…}, complete) and its own complete {@code _tmp-…}. Readers that must not miss
 * an output use {@link #lastCommitted}, which finds the moved-aside version. The next {@link
 * #begin} of the same target puts it back and deletes every leftover {@code _tmp-}/{@code _old-}
 * sibling of that target (a writer killed at any point leaves them).
 *
 * <p>One writer per target. {@link #begin} first takes the target's {@link WriterLease} (or writes
 * under the one its thread already holds for that target), so a second writer fails fast with a
 * {@link TargetBusyException} naming the first. Recovery runs only with the lease held: every other
 * writer of the target is then dead (its lease expired, released, or its process gone), so the
 * temporary directories recovery deletes are never a live writer's. {@link #commit} checks the
 * lease is still this writer's before the target is replaced.
 */
public final class AtomicDir implements AutoCloseable {
  /** The random suffix of the hidden siblings {@code _tmp-NAME-UUID} and {@code _old-NAME-UUID}. */
  public static final String UUID_PATTERN = "[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}";

  /** Marker file written into the directory just before it becomes visible. */
  public static final String SUCCESS_MARKER = "_SUCCESS";

  private static final Logger LOG = LoggerFactory.getLogger(AtomicDir.class);

  private final FileSystem fs;
  private final Path target;
  private final Path tmp;
  private final WriterLease lease;
  private final boolean ownsLease;
  private boolean committed;
  private boolean closed;

  private AtomicDir(FileSystem fs, Path target, Path tmp, WriterLease lease, boolean ownsLease) {
    this.fs = fs;
    this.target = target;
    this.tmp = tmp;
    this.lease = lease;
    this.ownsLease = ownsLease;
  }

  /**
   * Creates a hidden temp dir next to target: {@code <parent>/_tmp-<target name>-<uuid>}, hidden
   * from Spark/Hadoop readers by the leading underscore. A '=' in the target name becomes '-':
   * Spark lists a name that starts with '_' but contains '=' as a partition directory, so {@code
   * _tmp-run_id=X-…} would break every read of a hive-partitioned table while a writer runs or
   * after it crashed.
   *
   * @throws TargetBusyException if another live writer holds the target's lease
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
      Optional<WriterLease> held = WriterLease.heldByCurrentThread(qualified);
      WriterLease lease = held.orElseGet(() -> WriterLease.acquireUnshared(conf, qualified));
      try {
        recover(fs, qualified);
        Path tmp = sibling(qualified, "_tmp-");
        if (!fs.mkdirs(tmp)) {
          throw new IOException("mkdirs returned false for " + tmp);
        }
        LOG.debug("Writing {} through {}", qualified, tmp);
        return new AtomicDir(fs, qualified, tmp, lease, held.isEmpty());
      } catch (IOException | RuntimeException e) {
        if (held.isEmpty()) {
          lease.close();
        }
        throw e;
      }
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

  /**
   * Where the last committed version of {@code target} is: the target itself when complete, else
   * (its writer died between the two renames of a commit) the complete copy moved aside; empty when
   * there is none. Read-only: safe while a writer commits.
   */
  public static Optional<Path> lastCommitted(Configuration conf, Path target) {
    if (isComplete(conf, target)) {
      return Optional.of(target);
    }
    try {
      FileSystem fs = target.getFileSystem(conf);
      Path qualified = HadoopFiles.normalize(fs.makeQualified(target));
      return newestMovedAside(fs, qualified, siblings(fs, qualified));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot look for the last committed version of " + target, e);
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

  /** The lease this directory is written under. */
  WriterLease lease() {
    return lease;
  }

  /**
   * Writes a _SUCCESS marker into tmp, then replaces target: if it exists, rename it aside to
   * {@code <parent>/_old-<name>-<uuid>}, rename tmp to target, delete the old one. If the rename
   * fails, restore the old one and throw.
   */
  public void commit() {
    if (committed || closed) {
      throw new IllegalStateException(
          "Cannot commit atomic directory: already "
              + (committed ? "committed" : "closed")
              + " ("
              + target
              + ")");
    }
    FaultPoints.beforeCommit(target, tmp);
    lease.requireHeld();
    try {
      // overwrite: a Spark writer inside tmp leaves its own (empty) _SUCCESS marker. Ours names
      // the target, so a copy moved aside can be told apart from another target's
      try (var marker = fs.create(new Path(tmp, SUCCESS_MARKER), true)) {
        marker.write(target.getName().getBytes(StandardCharsets.UTF_8));
      }
      Path old = fs.exists(target) ? moveAside() : null;
      if (old != null) {
        FaultPoints.betweenRenames(target, tmp);
      }
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
    releaseOwnLease();
  }

  /**
   * If not committed, deletes tmp recursively (never the target); releases the lease {@link #begin}
   * took.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!committed) {
        fs.delete(tmp, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete temporary directory " + tmp, e);
    } finally {
      releaseOwnLease();
    }
  }

  private void releaseOwnLease() {
    if (ownsLease) {
      lease.close();
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
    return new Path(path.getParent(), prefix + mangled(path) + "-" + UUID.randomUUID());
  }

  private static String mangled(Path target) {
    return target.getName().replace('=', '-');
  }

  /**
   * The hidden siblings {@code _tmp-<mangled name>-<uuid>} and {@code _old-<mangled name>-<uuid>}
   * that earlier writers of {@code target} left, in one listing of its parent.
   */
  private static List<FileStatus> siblings(FileSystem fs, Path target) throws IOException {
    Pattern name =
        Pattern.compile("_(tmp|old)-" + Pattern.quote(mangled(target) + "-") + UUID_PATTERN);
    List<FileStatus> out = new ArrayList<>();
    try {
      for (FileStatus status : fs.listStatus(target.getParent())) {
        if (name.matcher(status.getPath().getName()).matches()) {
          out.add(status);
        }
      }
    } catch (FileNotFoundException e) {
      // no parent yet: nothing left over
    }
    return out;
  }

  private static boolean isMovedAside(FileStatus sibling) {
    return sibling.getPath().getName().startsWith("_old-");
  }

  /**
   * The newest complete copy of {@code target} among {@code siblings}, moved aside by an
   * interrupted commit.
   */
  private static Optional<Path> newestMovedAside(
      FileSystem fs, Path target, List<FileStatus> siblings) throws IOException {
    Path newest = null;
    long newestTime = Long.MIN_VALUE;
    for (FileStatus old : siblings) {
      if (!isMovedAside(old)) {
        continue;
      }
      FileStatus marker;
      try {
        marker = fs.getFileStatus(new Path(old.getPath(), SUCCESS_MARKER));
      } catch (FileNotFoundException e) {
        continue; // not complete
      }
      if (mayBelongTo(fs, old.getPath(), target) && marker.getModificationTime() > newestTime) {
        newest = old.getPath();
        newestTime = marker.getModificationTime();
      }
    }
    return Optional.ofNullable(newest);
  }

  /**
   * False when {@code dir}'s marker names another target. The name pattern has matched already; an
   * empty or missing marker (an older writer, or a dead one) is taken as this target's.
   */
  private static boolean mayBelongTo(FileSystem fs, Path dir, Path target) throws IOException {
    try (var in = fs.open(new Path(dir, SUCCESS_MARKER))) {
      String named = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return named.isEmpty() || named.equals(target.getName());
    } catch (FileNotFoundException e) {
      return true;
    }
  }

  /**
   * Puts back a version moved aside by a commit that died between its renames, then deletes the
   * target's leftover siblings: temp directories of dead writers and copies moved aside whose
   * commit completed. Called with the target's lease held, so no other writer of it is alive.
   */
  private static void recover(FileSystem fs, Path target) throws IOException {
    List<FileStatus> leftovers = siblings(fs, target);
    if (!fs.exists(target)) {
      Optional<Path> old = newestMovedAside(fs, target, leftovers);
      if (old.isPresent()) {
        if (!fs.rename(old.get(), target)) {
          throw new IOException("rename returned false: " + old.get() + " -> " + target);
        }
        LOG.warn(
            "Recovered {} from {}: its last writer died between the two renames of a commit",
            target,
            old.get());
        leftovers.removeIf(s -> s.getPath().equals(old.get()));
      }
    }
    for (FileStatus leftover : leftovers) {
      if (!mayBelongTo(fs, leftover.getPath(), target)) {
        continue;
      }
      LOG.info("Deleting {}, left over by an earlier writer of {}", leftover.getPath(), target);
      fs.delete(leftover.getPath(), true);
    }
  }
}
