package io.medvec.jobs;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Assignment;
import io.medvec.core.data.HospitalPartitioner;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.data.PartitionSpec;
import io.medvec.core.io.OutputGuard;
import io.medvec.core.store.AssignmentStore;
import io.medvec.jobs.spark.JobContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Splits the training images into the coordinator's public pool and K simulated hospitals and
 * writes the assignment (image index → hospital) as Parquet, so every run is reproducible and
 * auditable.
 */
public final class PartitionDataJob {

  static final String NAME = "partition";

  /**
   * @param common shared keys
   * @param spec {@code partition.*}: public-fraction (0.05), hospitals (4), mode (iid|dirichlet),
   *     alpha (0.5, Dirichlet concentration), seed (7), min-per-hospital (20)
   * @param trainLimit {@code partition.train-limit}: partition only the first N training images (0 =
   *     all; reduced protocols for CI)
   */
  public record Config(CommonConfig common, PartitionSpec spec, int trainLimit) {
    public static Config from(ConfigMap map) {
      ConfigMap p = map.section("partition");
      PartitionSpec spec =
          new PartitionSpec(
              p.number("public-fraction", 0.05, 0.0, 0.99),
              p.integer("hospitals", 4, 1, 10_000),
              p.enumValue("mode", PartitionMode.class, PartitionMode.IID),
              p.positive("alpha", 0.5),
              p.longValue("seed", 7),
              p.integer("min-per-hospital", 20, 1, Integer.MAX_VALUE));
      return new Config(CommonConfig.from(map), spec, p.integer("train-limit", 0, 0, Integer.MAX_VALUE));
    }
  }

  /** What the job wrote. */
  public record Result(
      String runId, String dataset, String assignment, int hospitals, String mode, double alpha, double publicFraction,
      long seed, long publicPool, Map<String, List<Long>> labelCounts) {}

  private final JobContext ctx;
  private final Config config;

  public PartitionDataJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    ctx.describe("partition " + ctx.dataPath() + " into " + config.spec().hospitals() + " hospitals");
    MedMnist data = ctx.loadData();
    int[] labels = data.train().labels();
    if (config.trainLimit() > 0 && config.trainLimit() < labels.length) {
      labels = java.util.Arrays.copyOf(labels, config.trainLimit());
    }
    Assignment assignment = HospitalPartitioner.assign(labels, data.numClasses(), config.spec());
    AssignmentStore store = ctx.assignment();
    OutputGuard.requireSameInputs(ctx.hadoop(), store.partitionFile(),
        Map.of("/spec", config.spec(), "/result/dataset", data.dataset()), "run " + config.common().runId(),
        config.common().overwrite());
    Map<String, List<Long>> counts = labelCounts(assignment);
    PartitionSpec spec = config.spec();
    Result result = new Result(config.common().runId(), data.dataset(), store.assignmentFile().toString(),
        spec.hospitals(), spec.mode().name().toLowerCase(java.util.Locale.ROOT), spec.alpha(), spec.publicFraction(),
        spec.seed(), assignment.publicIndices().length, counts);
    store.write(assignment, Map.of("spec", config.spec(), "result", result));
    ctx.writeResult(NAME, result);
    return result;
  }

  private static Map<String, List<Long>> labelCounts(Assignment assignment) {
    Map<String, List<Long>> counts = new LinkedHashMap<>();
    counts.put(AssignmentStore.PUBLIC_POOL, boxed(assignment.labelCounts(Assignment.PUBLIC)));
    for (int h = 0; h < assignment.spec().hospitals(); h++) {
      counts.put(Assignment.hospitalId(h), boxed(assignment.labelCounts(h)));
    }
    return counts;
  }

  private static List<Long> boxed(long[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, (spark, config) -> new PartitionDataJob(spark, config).run());
  }
}
