package io.medvec.jobs;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Assignment;
import io.medvec.core.data.HospitalPartitioner;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.PartitionMode;
import io.medvec.core.data.PartitionSpec;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.io.OutputGuard;
import io.medvec.core.io.SimpleParquet;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Splits the training images into the coordinator's public pool and K simulated hospitals and
 * writes the assignment (image index → hospital) as Parquet, so every run is reproducible and
 * auditable.
 */
public final class PartitionDataJob {

  static final String NAME = "partition";
  static final String ASSIGNMENT_FILE = "assignment.parquet";

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
    Path target = ctx.paths().partitionDir();
    OutputGuard.requireSameInputs(ctx.hadoop(), new Path(target, "partition.json"),
        Map.of("/spec", config.spec(), "/result/dataset", data.dataset()), "run " + config.common().runId(),
        config.common().overwrite());
    Map<String, List<Long>> counts = labelCounts(assignment);
    PartitionSpec spec = config.spec();
    Result result = new Result(config.common().runId(), data.dataset(), new Path(target, ASSIGNMENT_FILE).toString(),
        spec.hospitals(), spec.mode().name().toLowerCase(java.util.Locale.ROOT), spec.alpha(), spec.publicFraction(),
        spec.seed(), assignment.publicIndices().length, counts);
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), target)) {
      SimpleParquet.write(ctx.hadoop(), new Path(out.tmp(), ASSIGNMENT_FILE), columns(), rows(assignment));
      HadoopFiles.writeStringAtomically(ctx.hadoop(), new Path(out.tmp(), "partition.json"),
          Json.write(Map.of("spec", config.spec(), "result", result)));
      out.commit();
    }
    ctx.writeResult(NAME, result);
    return result;
  }

  static String hospitalColumn(int hospitalOrPublic) {
    return hospitalOrPublic == Assignment.PUBLIC ? "public" : Assignment.hospitalId(hospitalOrPublic);
  }

  private static LinkedHashMap<String, SimpleParquet.Type> columns() {
    LinkedHashMap<String, SimpleParquet.Type> columns = new LinkedHashMap<>();
    columns.put("image_index", SimpleParquet.Type.INT32);
    columns.put("hospital", SimpleParquet.Type.STRING);
    columns.put("label", SimpleParquet.Type.INT32);
    return columns;
  }

  private static List<Object[]> rows(Assignment assignment) {
    List<Object[]> rows = new ArrayList<>(assignment.hospitalOf().length);
    for (int i = 0; i < assignment.hospitalOf().length; i++) {
      rows.add(new Object[] {i, hospitalColumn(assignment.hospitalOf()[i]), assignment.labels()[i]});
    }
    return rows;
  }

  private static Map<String, List<Long>> labelCounts(Assignment assignment) {
    Map<String, List<Long>> counts = new LinkedHashMap<>();
    counts.put("public", boxed(assignment.labelCounts(Assignment.PUBLIC)));
    for (int h = 0; h < assignment.spec().hospitals(); h++) {
      counts.put(Assignment.hospitalId(h), boxed(assignment.labelCounts(h)));
    }
    return counts;
  }

  private static List<Long> boxed(long[] values) {
    return java.util.Arrays.stream(values).boxed().toList();
  }

  /** Reads a written assignment back: hospital id ("public", "h0", …) → ascending image indices. */
  static Map<String, int[]> readAssignment(org.apache.hadoop.conf.Configuration conf, Path partitionDir) {
    if (!AtomicDir.isComplete(conf, partitionDir)) {
      throw new IllegalArgumentException(
          "Cannot read hospital assignment: " + partitionDir + " is missing or incomplete (run the partition job first)");
    }
    Map<String, List<Integer>> byHospital = new java.util.TreeMap<>();
    for (Map<String, Object> row : SimpleParquet.read(conf, new Path(partitionDir, ASSIGNMENT_FILE))) {
      byHospital.computeIfAbsent((String) row.get("hospital"), k -> new ArrayList<>()).add((Integer) row.get("image_index"));
    }
    Map<String, int[]> out = new LinkedHashMap<>();
    byHospital.forEach((k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).sorted().toArray()));
    return out;
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, (spark, config) -> new PartitionDataJob(spark, config).run());
  }
}
