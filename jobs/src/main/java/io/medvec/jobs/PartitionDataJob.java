package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Assignment;
import io.medvec.core.data.HospitalPartitioner;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.data.PartitionSpec;
import io.medvec.core.io.OutputGuard;
import io.medvec.core.source.SourceKeys;
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
   * @param spec {@code partition.*} but train-limit
   * @param trainLimit {@link #TRAIN_LIMIT}
   */
  public record Config(CommonConfig common, PartitionSpec spec, int trainLimit) {
    static final ConfigKey<Double> PUBLIC_FRACTION =
        ConfigKey.number(
            "partition.public-fraction",
            0.05,
            0.0,
            0.99,
            "share of the training images in the coordinator's public pool (pre-training, batch-norm restore)");
    static final ConfigKey<Integer> HOSPITALS =
        ConfigKey.integer("partition.hospitals", 4, 1, 10_000, "number of simulated hospitals K");
    static final ConfigKey<PartitionMode> MODE =
        ConfigKey.enumValue(
            "partition.mode",
            PartitionMode.class,
            PartitionMode.IID,
            "how images are dealt to hospitals: iid, or label skew drawn from a Dirichlet");
    static final ConfigKey<Double> ALPHA =
        ConfigKey.positive(
            "partition.alpha",
            0.5,
            "Dirichlet concentration of the label skew (smaller: more skewed)");
    static final ConfigKey<Long> SEED =
        ConfigKey.longValue("partition.seed", 7, "seed of the assignment");
    static final ConfigKey<Integer> MIN_PER_HOSPITAL =
        ConfigKey.integer(
            "partition.min-per-hospital",
            20,
            1,
            Integer.MAX_VALUE,
            "fewest images any hospital may get");
    static final ConfigKey<Integer> TRAIN_LIMIT =
        ConfigKey.integer(
            "partition.train-limit",
            0,
            0,
            Integer.MAX_VALUE,
            "partition only the first N training images (0: all)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ConfigGroup.of(
                "partition: hospitals and" + " public pool",
                PUBLIC_FRACTION,
                HOSPITALS,
                MODE,
                ALPHA,
                SEED,
                MIN_PER_HOSPITAL,
                TRAIN_LIMIT));

    public static Config from(ConfigMap map) {
      PartitionSpec spec =
          new PartitionSpec(
              PUBLIC_FRACTION.read(map),
              HOSPITALS.read(map),
              MODE.read(map),
              ALPHA.read(map),
              SEED.read(map),
              MIN_PER_HOSPITAL.read(map));
      return new Config(CommonConfig.from(map), spec, TRAIN_LIMIT.read(map));
    }
  }

  /** What the job wrote. */
  public record Result(
      String runId,
      String dataset,
      String assignment,
      int hospitals,
      String mode,
      double alpha,
      double publicFraction,
      long seed,
      long publicPool,
      Map<String, List<Long>> labelCounts) {}

  private final JobContext ctx;
  private final Config config;

  public PartitionDataJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    ctx.describe(
        "partition " + ctx.dataPath() + " into " + config.spec().hospitals() + " hospitals");
    MedMnist data = ctx.loadData().data();
    int[] labels = data.train().labels();
    if (config.trainLimit() > 0 && config.trainLimit() < labels.length) {
      labels = java.util.Arrays.copyOf(labels, config.trainLimit());
    }
    Assignment assignment = HospitalPartitioner.assign(labels, data.numClasses(), config.spec());
    AssignmentStore store = ctx.assignment();
    OutputGuard.requireSameInputs(
        ctx.hadoop(),
        store.partitionFile(),
        Map.of("/spec", config.spec(), "/result/dataset", data.dataset()),
        "run " + config.common().runId(),
        config.common().overwrite());
    Map<String, List<Long>> counts = labelCounts(assignment);
    PartitionSpec spec = config.spec();
    Result result =
        new Result(
            config.common().runId(),
            data.dataset(),
            store.assignmentFile().toString(),
            spec.hospitals(),
            spec.mode().name().toLowerCase(java.util.Locale.ROOT),
            spec.alpha(),
            spec.publicFraction(),
            spec.seed(),
            assignment.publicIndices().length,
            counts);
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
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new PartitionDataJob(spark, config).run());
  }
}
