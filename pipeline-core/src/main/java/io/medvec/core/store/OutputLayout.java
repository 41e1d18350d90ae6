package io.medvec.core.store;

import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;

/**
 * Where every output lives under the output root (any Hadoop URI).
 *
 * <pre>
 * out/runs/RUN/partition/       assignment.parquet, partition.json      (partition job)
 * out/runs/RUN/JOB.json         result of each job of that run
 * out/base/FINGERPRINT/         model.zip, manifest.json                 (pretrain job)
 * out/vectors/base=FP/hospital=ID/  vector.parquet, bn-stats.parquet, manifest.json (fine-tune job)
 * out/runs/RUN/vectors/base=FP/hospital=ID/  the same, with vectors.scope: run (experiment cells)
 * out/runs/RUN/baselines/base=FP/hospital=pooled/   the pooled baseline's vector (fine-tune job)
 * out/runs/RUN/merged/          model.zip, weights.parquet, bn-stats.parquet, manifest.json (merge job)
 * out/runs/RUN/controls/KIND/   model.zip, manifest.json: control merges (mean, random_vector, …)
 * out/metrics/run_id=RUN/       metrics table partition                  (evaluate job)
 * out/report/RUN/               summary.md and charts                    (experiment job)
 * </pre>
 *
 * @param out the output root
 * @param runId this run's id
 * @param runVectors whether this run publishes and reads its vectors under its own directory
 *     ({@code vectors.scope: run}) instead of the shared store
 */
public record OutputLayout(Path out, String runId, boolean runVectors) {

  /** The model file of the base, merged and control directories. */
  public static final String MODEL_FILE = "model.zip";

  /**
   * The syntax of a run id, which names {@code runs/RUN} and {@code metrics/run_id=RUN}
   * directories.
   */
  public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private static final String RUNS = "runs";
  static final String VECTORS = "vectors";
  static final String MERGED = "merged";

  /** The layout with the shared vector store ({@code vectors.scope: shared}). */
  public OutputLayout(Path out, String runId) {
    this(out, runId, false);
  }

  /**
   * {@code path} relative to the output root, as manifests record locations so that a copied or
   * moved output tree reads its own files.
   */
  public String relative(Path path) {
    String root = out.toString().endsWith("/") ? out.toString() : out + "/";
    String inside = path.toString();
    if (!inside.startsWith(root)) {
      throw new IllegalStateException(
          "Cannot record " + path + " relative to the output root: it is not under " + out);
    }
    return inside.substring(root.length());
  }

  public Path runDir() {
    return new Path(runsRoot(), runId);
  }

  public Path partitionDir() {
    return new Path(runDir(), "partition");
  }

  /** The result record of {@code job} in this run. */
  public Path result(String job) {
    return new Path(runDir(), job + ".json");
  }

  public Path baseDir(String fingerprint) {
    return new Path(new Path(out, "base"), fingerprint);
  }

  /** Where this run publishes and reads data vectors. */
  public Path vectorsRoot() {
    return runVectors ? new Path(runDir(), VECTORS) : sharedVectorsRoot();
  }

  /** The shared vector store ({@code vectors.scope: shared}), whatever this run's scope. */
  public Path sharedVectorsRoot() {
    return new Path(out, VECTORS);
  }

  /** The directory holding every run ({@code out/runs}); {@link StoreScan} lists it. */
  public Path runsRoot() {
    return new Path(out, RUNS);
  }

  public Path baselinesRoot() {
    return new Path(runDir(), "baselines");
  }

  public Path controlDir(String kind) {
    return new Path(new Path(runDir(), "controls"), kind);
  }

  public Path mergedDir() {
    return new Path(runDir(), MERGED);
  }

  public Path metricsRoot() {
    return new Path(out, "metrics");
  }

  public Path metricsPartition() {
    return new Path(metricsRoot(), MetricsTable.PARTITION_COLUMN + "=" + runId);
  }

  /** The experiment report of this run. */
  public Path reportDir() {
    return new Path(new Path(out, "report"), runId);
  }
}
