package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.HospitalId;
import io.medvec.core.finetune.VectorRelease;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.Preflight;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.DataSpec;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Fine-tunes θ_pre at each hospital, each as an independent Spark task on that hospital's images
 * only, and publishes each hospital's data vector τ = θ − θ_pre (see {@link HospitalFineTune}). Run
 * for all hospitals, or for one hospital id the way a hospital runs it on its own cluster.
 */
public final class FineTuneVectorsJob {

  static final String NAME = "finetune";

  /** Id of the pooled baseline (fine-tuned on the union of all hospitals). */
  static final String POOLED = "pooled";

  /** {@code finetune.hospitals: [all]}: every hospital of the partition. */
  static final String ALL = "all";

  /**
   * @param common shared keys
   * @param train {@link #TRAIN}
   * @param hospitals {@link #HOSPITALS}
   * @param pooled {@link #POOLED_KEY}. Its vector goes to the run's {@code baselines/} store, never
   *     to the vectors a merge reads.
   * @param dp {@code finetune.dp.*}: release each hospital's vector under differential privacy
   *     (null: off); see {@link DpSettings#from}. The pooled baseline is never released, so never
   *     noised.
   */
  public record Config(
      CommonConfig common,
      TrainSettings train,
      List<String> hospitals,
      boolean pooled,
      DpSettings dp) {
    public Config {
      hospitals =
          hospitals.equals(List.of(ALL))
              ? List.of(ALL)
              : HospitalId.requireList(HOSPITALS.name(), hospitals);
    }

    static final TrainConfig TRAIN =
        TrainConfig.keys("finetune", "each hospital's fine-tune", 5, 1e-3, 11);
    static final ConfigKey<List<String>> HOSPITALS =
        ConfigKey.strings(
            "finetune.hospitals",
            List.of("all"),
            "hospital ids to fine-tune (h0, h1, ...; each once, "
                + HospitalId.RULE
                + "), or [all]");
    static final ConfigKey<Boolean> POOLED_KEY =
        ConfigKey.bool(
            "finetune.pooled",
            false,
            "also fine-tune on the union of all hospitals' images (the pooled upper bound a consortium cannot have)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            TRAIN.group("finetune: each hospital's fine-tune").with(HOSPITALS, POOLED_KEY),
            DpSettings.KEYS);

    public static Config from(ConfigMap map) {
      return new Config(
          CommonConfig.from(map),
          TRAIN.read(map),
          HOSPITALS.read(map),
          POOLED_KEY.read(map),
          DpSettings.from(map.section("finetune").section("dp")));
    }
  }

  /** What the job wrote. */
  public record Result(
      String runId, String baseFingerprint, List<HospitalFineTune.Outcome> hospitals) {}

  private final JobContext ctx;
  private final Config config;

  public FineTuneVectorsJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    String fingerprint = ctx.baseFingerprint();
    Preflight.requireWritable(
        ctx.hadoop(),
        new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot()).baseDir(fingerprint));
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().result(NAME));
    byte[] base = ctx.baseModels().bytes(fingerprint);
    Map<String, int[]> assignment = ctx.assignment().read();
    List<HospitalFineTune> tasks = tasks(assignment, fingerprint);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
    Broadcast<byte[]> baseModel = jsc.broadcast(base);
    ctx.describe(
        "fine-tune "
            + tasks.size()
            + " hospital(s) "
            + tasks.stream().map(HospitalFineTune::hospital).toList()
            + " from base "
            + fingerprint.substring(0, 12)
            + " ("
            + config.train().epochs()
            + " epochs each)");
    List<HospitalFineTune.Outcome> outcomes =
        new ArrayList<>(
            TaskOutcome.values(
                jsc.parallelize(tasks, tasks.size())
                    .map(t -> TaskOutcome.of(() -> t.run(baseModel.value())))
                    .collect()));
    baseModel.destroy();
    Result result = new Result(config.common().runId(), fingerprint, outcomes);
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * The same fine-tune as {@link #run()} for the configured hospitals, called in this thread
   * without Spark (the reference of {@code bench spark}); publishes the same vectors.
   */
  public List<HospitalFineTune.Outcome> runDirect() {
    String fingerprint = ctx.baseFingerprint();
    byte[] base = ctx.baseModels().bytes(fingerprint);
    Map<String, int[]> assignment = ctx.assignment().read();
    return tasks(assignment, fingerprint).stream().map(t -> t.run(base)).toList();
  }

  private List<HospitalFineTune> tasks(Map<String, int[]> assignment, String fingerprint) {
    List<String> ids = new ArrayList<>();
    if (config.hospitals().equals(List.of(ALL))) {
      assignment.keySet().stream()
          .filter(k -> !k.equals(AssignmentStore.PUBLIC_POOL))
          .forEach(ids::add);
    } else {
      ids.addAll(config.hospitals());
    }
    // the base model's preprocessing, checked against the config before any task starts
    DataSpec data = ctx.dataSpec(ctx.basePreprocessing(fingerprint));
    List<HospitalFineTune> tasks = new ArrayList<>();
    for (String id : ids) {
      int[] indices = assignment.get(id);
      if (indices == null || indices.length == 0) {
        throw new IllegalArgumentException(
            "Cannot fine-tune hospital "
                + id
                + ": it has no images in "
                + ctx.paths().partitionDir()
                + " (hospitals there: "
                + assignment.keySet()
                + ")");
      }
      tasks.add(
          new HospitalFineTune(
              id,
              indices,
              data,
              ctx.paths().vectorsRoot().toString(),
              config.common().runId(),
              fingerprint,
              ctx.baseModels().inputScale(fingerprint),
              settings(config.dp()),
              new HadoopConf(ctx.hadoop())));
    }
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot fine-tune: no hospitals in " + ctx.paths().partitionDir());
    }
    if (config.dp() != null) { // before hours of training, not after
      VectorStore store = new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot());
      ids.forEach(id -> VectorRelease.requirePrivateHistory(store, fingerprint, id));
    }
    if (config.pooled()) {
      int[] union =
          assignment.entrySet().stream()
              .filter(e -> !e.getKey().equals(AssignmentStore.PUBLIC_POOL))
              .flatMapToInt(e -> java.util.Arrays.stream(e.getValue()))
              .sorted()
              .toArray();
      tasks.add(
          0,
          new HospitalFineTune(
              POOLED,
              union,
              data,
              ctx.paths().baselinesRoot().toString(),
              config.common().runId(),
              fingerprint,
              ctx.baseModels().inputScale(fingerprint),
              settings(null),
              new HadoopConf(ctx.hadoop())));
    }
    return tasks;
  }

  private HospitalFineTune.Settings settings(DpSettings dp) {
    TrainSettings t = config.train();
    return new HospitalFineTune.Settings(t.epochs(), t.batchSize(), t.learningRate(), t.seed(), dp);
  }

  /**
   * With {@code --hospital} or {@code --publish}, one hospital's fine-tune on its own data ({@link
   * PublishVectorJob}); otherwise every (or the listed) hospitals of this run's partition.
   */
  public static void main(String[] args) {
    if (PublishVectorJob.requested(args)) {
      PublishVectorJob.main(args);
      return;
    }
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new FineTuneVectorsJob(spark, config).run());
  }
}
