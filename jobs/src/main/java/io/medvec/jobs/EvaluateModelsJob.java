package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.Split;
import io.medvec.core.eval.ClassMetrics;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.merge.SyntheticWeights;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.Preflight;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.DataSpec;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.MetricsSchema;
import io.medvec.jobs.spark.ModelScoring;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Scores the pre-trained, every single-site and the merged model on the configured splits, with the
 * examples partitioned across Spark tasks. Tasks return score lists, the driver merges them and
 * computes every metric exactly once over all examples (no averages of averages), then appends the
 * run's rows to the metrics table.
 */
public final class EvaluateModelsJob {

  /** The model card's directory under {@code runs/RUN/}. */
  public static final String MODEL_CARD_DIR = "model-card";

  /** The bootstrap seed of the card's intervals: the same card for the same scores. */
  static final long CI_SEED = 2408_13038L;

  public static final String NAME = "evaluate";

  /**
   * @param common shared keys
   * @param splits {@link #SPLITS}
   * @param partitions {@link #PARTITIONS}
   * @param batchSize {@link #BATCH_SIZE}
   */
  public record Config(CommonConfig common, List<Split> splits, int partitions, int batchSize) {
    public Config {
      splits = List.copyOf(splits);
    }

    static final ConfigKey<List<String>> SPLITS =
        ConfigKey.strings("evaluate.splits", List.of("val", "test"), "splits to score")
            .accepts("a list of train, val, test");
    static final ConfigKey<Integer> PARTITIONS =
        ConfigKey.integer("evaluate.partitions", 4, 1, 100_000, "Spark tasks per split");
    static final ConfigKey<Integer> BATCH_SIZE =
        ConfigKey.integer("evaluate.batch-size", 256, 1, 65_536, "inference batch size");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ConfigGroup.of("evaluate: scoring every model", SPLITS, PARTITIONS, BATCH_SIZE));

    public static Config from(ConfigMap map) {
      List<Split> splits = SPLITS.read(map).stream().map(Split::parse).toList();
      return new Config(CommonConfig.from(map), splits, PARTITIONS.read(map), BATCH_SIZE.read(map));
    }
  }

  /** Whole-model metrics (label null). */
  static final List<String> MODEL_METRICS = List.of("accuracy", "auc", "macro_f1");

  /** Per-class metrics (label = class index). */
  static final List<String> CLASS_METRICS = List.of("precision", "recall", "f1");

  /**
   * One metrics-table row (without run_id, which is the partition).
   *
   * @param label null for a whole-model metric, the class index for a per-class one
   * @param className the class's name (the base model's class names) for a per-class row, else null
   * @param ciLow the lower bound of the value's 95 % interval ({@link MetricsTable#CI_LOW}), null
   *     for a per-class row or where undefined
   * @param ciHigh the upper bound, null likewise
   * @param ciMethod how the interval was computed, null without one
   */
  public record MetricRow(
      String dataset,
      String modelKind,
      String modelId,
      String split,
      String metric,
      Integer label,
      String className,
      double value,
      Double ciLow,
      Double ciHigh,
      String ciMethod,
      long n) {

    /** A row without an interval. */
    public MetricRow(
        String dataset,
        String modelKind,
        String modelId,
        String split,
        String metric,
        Integer label,
        String className,
        double value,
        long n) {
      this(
          dataset, modelKind, modelId, split, metric, label, className, value, null, null, null, n);
    }

    /** A row without a class name or an interval. */
    public MetricRow(
        String dataset,
        String modelKind,
        String modelId,
        String split,
        String metric,
        Integer label,
        double value,
        long n) {
      this(dataset, modelKind, modelId, split, metric, label, null, value, n);
    }

    /**
     * The row as the table's columns ({@link MetricsTable#COLUMNS}, in order): {@code protocol}
     * fills the partitioning columns of a simulated run, null elsewhere (a site's rows).
     */
    Row toSparkRow(String baseFingerprint, AssignmentStore.Protocol protocol, String createdAt) {
      AssignmentStore.Protocol p = protocol;
      return RowFactory.create(
          dataset,
          modelKind,
          modelId,
          split,
          metric,
          label,
          className,
          value,
          ciLow,
          ciHigh,
          ciMethod,
          n,
          baseFingerprint,
          p == null ? null : p.hospitals(),
          p == null ? null : p.mode(),
          p == null || p.mode().equals("iid") ? null : p.alpha(),
          p == null ? null : p.publicFraction(),
          p == null ? null : p.seed(),
          createdAt);
    }
  }

  /** What the job wrote. */
  public record Result(String runId, String table, List<MetricRow> rows) {}

  private final JobContext ctx;
  private final Config config;

  public EvaluateModelsJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    String fingerprint = ctx.baseFingerprint();
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().metricsPartition());
    // listed only: the scoring tasks decode the images
    SourceListing listing = ctx.listData(fingerprint);
    for (Split split : config.splits()) {
      Preflight.requireNonEmpty(
          listing.examples(split).size(),
          Preflight.split(split, ctx.dataPath().toString()),
          "evaluate",
          "evaluate.splits names it");
    }
    List<ModelScoring.Model> models = models(fingerprint);
    ctx.describe(
        "evaluate "
            + models.size()
            + " models on "
            + config.splits()
            + " in "
            + config.partitions()
            + " task(s) per split");
    Map<String, ScoreSet> merged =
        scoreAll(
            ctx,
            models,
            s -> listing.examples(s).size(),
            config.splits(),
            config.partitions(),
            ctx.dataSpec(listing.preprocessing()),
            config.batchSize());
    List<MetricRow> rows = rows(listing.dataset(), listing.classes(), merged);
    writeTable(rows, fingerprint);
    writeModelCard(fingerprint, listing, rows);
    Result result =
        new Result(config.common().runId(), ctx.paths().metricsPartition().toString(), rows);
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * Scores every model on {@code splits} ({@code sizes} images each) of the source {@code spec}
   * names in Spark tasks ({@code partitions} slices per split, the models broadcast once) and
   * merges the tasks' score sets in the driver, keyed {@code kind|id|split}. User errors inside a
   * task keep their exit code ({@link TaskOutcome}).
   */
  static Map<String, ScoreSet> scoreAll(
      JobContext ctx,
      List<ModelScoring.Model> models,
      ToIntFunction<Split> sizes,
      List<Split> splits,
      int partitions,
      DataSpec spec,
      int batchSize) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
    Broadcast<List<ModelScoring.Model>> shared = jsc.broadcast(models);
    List<ModelScoring> slices =
        ModelScoring.slices(
            sizes, splits, partitions, spec, new HadoopConf(ctx.hadoop()), batchSize);
    Map<String, ScoreSet> merged = new TreeMap<>();
    for (Map<String, ScoreSet> partial :
        TaskOutcome.values(
            jsc.parallelize(slices, slices.size())
                .map(s -> TaskOutcome.of(() -> s.run(shared.value())))
                .collect())) {
      partial.forEach((key, scores) -> merged.merge(key, scores, ScoreSet::merge));
    }
    shared.destroy();
    return merged;
  }

  private List<ModelScoring.Model> models(String fingerprint) {
    Network base = ctx.baseModels().load(fingerprint);
    PixelScale scale = base.inputScale();
    List<ModelScoring.Model> models = new ArrayList<>();
    models.add(new ModelScoring.Model("pretrained", "pretrained", ModelIO.toBytes(base), scale));
    VectorStore store = new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot());
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout bnLayout = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    MergedModelStore mergedModels = ctx.mergedModels();
    MergeManifest merge = mergedModels.manifest().orElse(null);
    List<StoredVector> singleSites =
        merge == null ? store.list(fingerprint) : mergedModels.usedVectors(merge, fingerprint);
    for (StoredVector vector : singleSites) {
      Preflight.requireFiles(
          ctx.hadoop(), vector, true, "evaluate rebuilds the single-site model from it");
    }
    for (StoredVector vector : singleSites) {
      models.add(
          new ModelScoring.Model(
              "single_site",
              vector.manifest().hospital(),
              ModelIO.toBytes(rebuild(base, store, vector, layout, bnLayout)),
              scale));
    }
    VectorStore baselines = VectorStore.baselines(ctx.hadoop(), ctx.paths().baselinesRoot());
    for (StoredVector vector : baselines.list(fingerprint)) {
      models.add(
          new ModelScoring.Model(
              vector.manifest().hospital(),
              vector.manifest().hospital(),
              ModelIO.toBytes(rebuild(base, baselines, vector, layout, bnLayout)),
              scale));
    }
    if (merge != null) {
      models.add(new ModelScoring.Model("merged", "merged", mergedModels.modelBytes(merge), scale));
      for (MergeManifest.ControlModel control : merge.controls()) {
        models.add(
            new ModelScoring.Model(
                control.kind(), control.kind(), mergedModels.controlBytes(control), scale));
      }
    }
    return models;
  }

  /** θ_pre + τ with the vector's own batch-norm statistics: the model its site trained. */
  static Network rebuild(
      Network base,
      VectorStore store,
      StoredVector vector,
      VectorLayout layout,
      VectorLayout bnLayout) {
    Network model = SyntheticWeights.compose(base, layout, store.readDelta(vector), 1.0);
    ParamVectors.assign(model, bnLayout, store.readBnStats(vector));
    return model;
  }

  static List<MetricRow> rows(String dataset, List<String> classes, Map<String, ScoreSet> scores) {
    List<MetricRow> rows = new ArrayList<>();
    scores.forEach(
        (key, set) -> {
          String[] parts = key.split("\\|", -1);
          // the whole-model metrics with their intervals, exactly as the model card states them
          Metrics m = ClassificationMetrics.compute(set);
          ModelCard.SplitMetrics model = ModelCard.SplitMetrics.of(parts[2], set, m, CI_SEED);
          for (ModelCard.Metric metric : model.metrics()) {
            rows.add(
                new MetricRow(
                    dataset,
                    parts[0],
                    parts[1],
                    parts[2],
                    metric.name(),
                    null,
                    null,
                    metric.value() == null ? Double.NaN : metric.value(),
                    metric.low(),
                    metric.high(),
                    metric.method(),
                    model.n()));
          }
          for (ClassMetrics c : ClassificationMetrics.perClass(m.confusion())) {
            double[] perClass = {c.precision(), c.recall(), c.f1()};
            for (int i = 0; i < perClass.length; i += 1) {
              rows.add(
                  new MetricRow(
                      dataset,
                      parts[0],
                      parts[1],
                      parts[2],
                      CLASS_METRICS.get(i),
                      c.label(),
                      c.label() < classes.size() ? classes.get(c.label()) : null,
                      perClass[i],
                      m.n()));
            }
          }
        });
    return rows;
  }

  private void writeTable(List<MetricRow> rows, String fingerprint) {
    String now = Instant.now().toString();
    AssignmentStore.Protocol p = ctx.assignment().protocol().orElse(null);
    List<Row> sparkRows = rows.stream().map(r -> r.toSparkRow(fingerprint, p, now)).toList();
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), ctx.paths().metricsPartition())) {
      ctx.spark()
          .createDataFrame(sparkRows, MetricsSchema.WRITTEN)
          .coalesce(1)
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(out.tmp().toString());
      out.commit();
    }
  }

  /**
   * The merged model's card ({@link ModelCard}) in {@code runs/RUN/model-card/}, committed
   * atomically, with the metrics of {@code rows} and the sites' published so far; nothing when this
   * run has no merged model.
   */
  private void writeModelCard(String fingerprint, SourceListing listing, List<MetricRow> rows) {
    Optional<MergeManifest> merge = ctx.mergedModels().manifest();
    if (merge.isEmpty()) {
      return;
    }
    ModelCardJob.write(
        ctx,
        ModelCardJob.build(
            ctx,
            merge.get(),
            fingerprint,
            listing.classes(),
            listing.preprocessing() == null ? null : listing.preprocessing().canonical(),
            rows));
  }

  /**
   * With {@code --site}, one site's cross-site evaluation on its own data ({@link
   * SiteEvaluateJob}); otherwise the coordinator's evaluation of this run.
   */
  public static void main(String[] args) {
    if (SiteEvaluateJob.requested(args)) {
      SiteEvaluateJob.main(args);
      return;
    }
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new EvaluateModelsJob(spark, config).run());
  }
}
