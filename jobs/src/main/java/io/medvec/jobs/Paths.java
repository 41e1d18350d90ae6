package io.medvec.jobs;

import org.apache.hadoop.fs.Path;

/**
 * Where every output lives under the output root (any Hadoop URI).
 *
 * <pre>
 * out/runs/RUN/partition/       assignment.parquet, partition.json      (partition job)
 * out/runs/RUN/JOB.json         result of each job of that run
 * out/base/FINGERPRINT/         model.zip, manifest.json                 (pretrain job)
 * out/vectors/base=FP/hospital=ID/  vector.parquet, bn-stats.parquet, manifest.json (fine-tune job)
 * out/runs/RUN/baselines/base=FP/hospital=pooled/   the pooled baseline's vector (fine-tune job)
 * out/runs/RUN/merged/          model.zip, weights.parquet, bn-stats.parquet, manifest.json (merge job)
 * out/runs/RUN/controls/KIND/   model.zip, manifest.json: control merges (mean, random_vector, …)
 * out/metrics/run_id=RUN/       metrics table partition                  (evaluate job)
 * </pre>
 */
public record Paths(Path out, String runId) {

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

  public Path vectorsRoot() {
    return new Path(out, "vectors");
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
