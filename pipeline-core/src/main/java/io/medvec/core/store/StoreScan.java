package io.medvec.core.store;

import io.medvec.core.data.HospitalId;
import io.medvec.core.io.AtomicDir;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists the committed directories of one kind under an output root by walking the layout level by
 * level, never through a glob: a name a reader cannot parse (a stray file, {@code hospital=a:b},
 * {@code run_id=}, an id outside its rule) is skipped, and each scan logs the skipped paths in one
 * warning. Hidden names ({@code _tmp-…}, {@code _old-…}, {@code .crc}) and directories without
 * {@code _SUCCESS} that a writer is still filling are skipped silently, as every reader does.
 */
public final class StoreScan {
  private static final Logger LOG = LoggerFactory.getLogger(StoreScan.class);

  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  private final Configuration conf;
  private final OutputLayout layout;

  public StoreScan(Configuration conf, OutputLayout layout) {
    this.conf = conf;
    this.layout = layout;
  }

  /**
   * Every committed vector directory ({@code base=FP/hospital=ID}) of the shared store and of every
   * run's own store, sorted.
   */
  public List<Path> vectorDirs() {
    List<Path> skipped = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    List<Path> roots = new ArrayList<>(List.of(layout.sharedVectorsRoot()));
    for (Path run : runDirs(skipped)) {
      roots.add(new Path(run, OutputLayout.VECTORS));
    }
    for (Path root : roots) {
      for (Path base : children(root, "base", FINGERPRINT.asMatchPredicate(), skipped)) {
        dirs.addAll(
            committed(children(base, "hospital", HospitalId::isWellFormed, skipped), skipped));
      }
    }
    warn("data vectors", skipped);
    dirs.sort(null);
    return dirs;
  }

  /** Every run's committed merged directory ({@code runs/RUN/merged}), sorted. */
  public List<Path> mergedDirs() {
    List<Path> skipped = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (Path run : runDirs(skipped)) {
      Path merged = new Path(run, OutputLayout.MERGED);
      if (AtomicDir.isComplete(conf, merged)) {
        dirs.add(merged);
      }
    }
    warn("merges", skipped);
    dirs.sort(null);
    return dirs;
  }

  /** Every committed partition of the metrics table ({@code metrics/run_id=RUN}), sorted. */
  public List<Path> metricsPartitions() {
    List<Path> skipped = new ArrayList<>();
    List<Path> dirs =
        committed(
            children(
                layout.metricsRoot(),
                MetricsTable.PARTITION_COLUMN,
                OutputLayout.RUN_ID.asMatchPredicate(),
                skipped),
            skipped);
    warn("the metrics table", skipped);
    dirs.sort(null);
    return dirs;
  }

  /**
   * Every committed partition of the site metrics table ({@code site-metrics/run_id=RUN/site=ID}),
   * sorted.
   */
  public List<Path> siteMetricsPartitions() {
    List<Path> skipped = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (Path run :
        children(
            SiteMetricsTable.root(layout.out()),
            MetricsTable.PARTITION_COLUMN,
            OutputLayout.RUN_ID.asMatchPredicate(),
            skipped)) {
      dirs.addAll(
          committed(
              children(run, SiteMetricsTable.SITE_COLUMN, HospitalId::isWellFormed, skipped),
              skipped));
    }
    warn("the site metrics table", skipped);
    dirs.sort(null);
    return dirs;
  }

  private List<Path> runDirs(List<Path> skipped) {
    return children(layout.runsRoot(), null, OutputLayout.RUN_ID.asMatchPredicate(), skipped);
  }

  /**
   * The sub-directories of {@code dir} named {@code key=VALUE} (or {@code VALUE} when key is null)
   * with an accepted value; other visible entries go to {@code skipped}.
   */
  private List<Path> children(Path dir, String key, Predicate<String> accepts, List<Path> skipped) {
    List<Path> out = new ArrayList<>();
    FileStatus[] listing;
    try {
      listing = dir.getFileSystem(conf).listStatus(dir);
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
    for (FileStatus status : listing) {
      String name = status.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      String prefix = key == null ? "" : key + "=";
      boolean parses =
          status.isDirectory()
              && name.startsWith(prefix)
              && accepts.test(name.substring(prefix.length()));
      if (parses) {
        out.add(status.getPath());
      } else {
        skipped.add(status.getPath());
      }
    }
    return out;
  }

  /** Those of {@code dirs} with {@code _SUCCESS}; a visible one without it is a stranger. */
  private List<Path> committed(List<Path> dirs, List<Path> skipped) {
    List<Path> out = new ArrayList<>();
    for (Path dir : dirs) {
      (AtomicDir.isComplete(conf, dir) ? out : skipped).add(dir);
    }
    return out;
  }

  private static void warn(String what, List<Path> skipped) {
    if (!skipped.isEmpty()) {
      skipped.sort(null);
      LOG.warn(
          "Skipping {} path(s) that are not part of {} (unparseable name, stray file or no {}): {}",
          skipped.size(),
          what,
          AtomicDir.SUCCESS_MARKER,
          skipped);
    }
  }
}
