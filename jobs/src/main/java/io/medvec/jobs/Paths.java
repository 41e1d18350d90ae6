package io.medvec.jobs;

import java.util.List;
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
 * </pre>
 */
public record Paths(Path out, String runId, boolean runVectors) {

  /** The layout with the shared vector store ({@code vectors.scope: shared}). */
  public Paths(Path out, String runId) {
    this(out, runId, false);
  }

  public Path runDir() {
    return new Path(new Path(out, "runs"), runId);
  }

  public Path partitionDir() {
    return new Path(runDir(), "partition");
  }

  public Path result(String job) {
    return new Path(runDir(), job + ".json");
  }

  public Path baseDir(String fingerprint) {
    return new Path(new Path(out, "base"), fingerprint);
  }

  /** Where this run publishes and reads data vectors. */
  public Path vectorsRoot() {
    return runVectors ? new Path(runDir(), "vectors") : new Path(out, "vectors");
  }

  /** Globs of every vector directory under {@code out}, shared and run-scoped. */
  public List<Path> allVectorDirs() {
    return List.of(new Path(out, "vectors/base=*/hospital=*"), new Path(out, "runs/*/vectors/base=*/hospital=*"));
  }

  public Path baselinesRoot() {
    return new Path(runDir(), "baselines");
  }

  public Path controlDir(String kind) {
    return new Path(new Path(runDir(), "controls"), kind);
  }

  public Path mergedDir() {
    return new Path(runDir(), "merged");
  }

  public Path metricsRoot() {
    return new Path(out, "metrics");
  }

  public Path metricsPartition() {
    return new Path(metricsRoot(), "run_id=" + runId);
  }
}
