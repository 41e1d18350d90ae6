package io.medvec.core.store;

import io.medvec.core.config.ConfigException;
import io.medvec.core.data.ImageSet;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.vector.StoredVector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks a job makes in its driver before any training or merging, so that a job that cannot finish
 * fails in seconds with the cause named, not after its work: the output location is writable, the
 * splits it needs are non-empty, the files its modes read are present.
 */
public final class Preflight {

  /** Prefix of the probe file; readers skip names starting with {@code _}. */
  static final String PROBE_PREFIX = "_medvec-write-probe-";

  private Preflight() {}

  /**
   * Refuses (exit code 2) when {@code target} cannot be written: creates and deletes a probe file
   * in its nearest existing ancestor directory, so the tree is left as it was. A file system that
   * cannot be reached is a runtime failure (it may come back), not a refusal.
   */
  public static void requireWritable(Configuration conf, Path target) {
    try {
      FileSystem fs = target.getFileSystem(conf);
      Path dir = target;
      while (dir.getParent() != null && !fs.exists(dir)) {
        dir = dir.getParent();
      }
      if (dir.equals(target) && dir.getParent() != null && fs.getFileStatus(dir).isFile()) {
        // a file the job replaces (a result record on a rerun): its directory is what is written
        dir = dir.getParent();
      }
      if (!fs.getFileStatus(dir).isDirectory()) {
        throw new ConfigException(
            "Cannot write " + target + ": " + dir + " is a file, not a directory");
      }
      Path probe = new Path(dir, PROBE_PREFIX + UUID.randomUUID());
      try {
        try (FSDataOutputStream out = fs.create(probe, false)) {
          out.write(0);
        }
      } finally {
        fs.delete(probe, false);
        fs.delete(new Path(dir, "." + probe.getName() + ".crc"), false);
      }
    } catch (IOException e) {
      if (unreachable(e)) {
        throw new UncheckedIOException("Cannot check that " + target + " is writable", e);
      }
      throw new ConfigException(
          "Cannot write "
              + target
              + ": the output location is not writable ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  private static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof SocketTimeoutException
          || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses (exit code 3) an empty {@code set}, described by {@code what} (e.g. "the val split of
   * FILE"), that {@code job} needs because {@code why}.
   */
  public static void requireNonEmpty(ImageSet set, String what, String job, String why) {
    requireNonEmpty(set.size(), what, job, why);
  }

  /** As {@link #requireNonEmpty(ImageSet, String, String, String)} for {@code size} examples. */
  public static void requireNonEmpty(int size, String what, String job, String why) {
    if (size == 0) {
      throw new IllegalArgumentException(
          "Cannot " + job + ": " + what + " is empty, and " + why + " (0 examples)");
    }
  }

  /** "the SPLIT split of SOURCE", as {@link #requireNonEmpty} describes a split. */
  public static String split(ImageSet set, String source) {
    return split(set.split(), source);
  }

  /** "the SPLIT split of SOURCE". */
  public static String split(io.medvec.core.data.Split split, String source) {
    return "the " + split.name().toLowerCase(java.util.Locale.ROOT) + " split of " + source;
  }

  /**
   * Refuses (exit code 3) a vector whose delta, or with {@code bnStats} whose batch-norm
   * statistics, are missing; {@code why} says which mode reads them.
   */
  public static void requireFiles(
      Configuration conf, StoredVector vector, boolean bnStats, String why) {
    requireFile(conf, vector, vector.vectorPath(), "its delta is needed by every merge");
    if (bnStats) {
      requireFile(conf, vector, vector.bnStatsPath(), why);
    }
  }

  private static void requireFile(Configuration conf, StoredVector vector, Path file, String why) {
    if (!HadoopFiles.exists(conf, file)) {
      throw new IllegalArgumentException(
          "Cannot use data vector "
              + vector.dir()
              + ": "
              + file.getName()
              + " is missing, and "
              + why
              + " ("
              + file
              + ")");
    }
  }
}
