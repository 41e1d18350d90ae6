package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.MetricsTable;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.Preflight;
import io.medvec.core.store.SiteMetricsTable;
import io.medvec.core.store.StoreScan;
import io.medvec.core.vector.StoredVector;
import io.medvec.jobs.EvaluateModelsJob.MetricRow;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.MetricsSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bin/medvec card --out OUT --run-id RUN}, or {@code spark-submit --class
 * io.medvec.jobs.ModelCardJob}: rewrites run RUN's model card ({@link ModelCard}, in {@code
 * runs/RUN/model-card/}) from what the store holds, so that the card gains the metrics sites
 * published after the coordinator's evaluation. The evaluate job writes the same card through
 * {@link #write} when it has scored the models; this job reads the merged model's metrics (with
 * their intervals) back from the metrics table instead of scoring again, and the class names and
 * preprocessing from the merged model's directory. It refuses (exit 3) a run without a committed
 * merged model or without a committed metrics partition, before writing anything.
 */
public final class ModelCardJob {

  public static final String NAME = "card";

  /**
   * @param common shared keys ({@code out}, {@code run-id})
   */
  public record Config(CommonConfig common) {

    /**
     * The keys this job reads: the shared ones ({@link CommonConfig#from} also reads the source's
     * and preprocessing keys, which the card does not use: it takes them from the merged model).
     */
    static final List<ConfigGroup> KEYS =
        List.of(CommonConfig.KEYS, SourceKeys.SOURCE, SourceKeys.PREPROCESSING);

    public static Config from(ConfigMap map) {
      return new Config(CommonConfig.from(map));
    }
  }

  /** What the job wrote: the card's directory and how many site rows it states. */
  public record Result(String runId, String card, int siteModels) {}

  private final JobContext ctx;
  private final Config config;

  public ModelCardJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    String run = config.common().runId();
    MergedModelStore merged = ctx.mergedModels();
    MergeManifest merge =
        merged
            .manifest()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "Cannot write the model card of run "
                            + run
                            + ": it has no committed merged model ("
                            + merged.modelFile().getParent()
                            + "); run merge and evaluate first"));
    Path partition = ctx.paths().metricsPartition();
    if (!AtomicDir.isComplete(ctx.hadoop(), partition)) {
      throw new IllegalArgumentException(
          "Cannot write the model card of run "
              + run
              + ": the metrics table has no committed partition for it ("
              + partition
              + "); run evaluate first");
    }
    Path dir = new Path(ctx.paths().runDir(), EvaluateModelsJob.MODEL_CARD_DIR);
    Preflight.requireWritable(ctx.hadoop(), dir);
    MergedModel model = MergedModel.load(ctx.hadoop(), merged.modelFile().getParent());
    List<MetricRow> rows = new ArrayList<>();
    for (Row r :
        ctx.spark()
            .read()
            .schema(MetricsSchema.WRITTEN)
            .parquet(partition.toString())
            .where("model_kind = 'merged' AND label IS NULL")
            .collectAsList()) {
      rows.add(metricRow(r));
    }
    Map<String, Object> preprocessing =
        model.declaresPreprocessing()
            ? Preprocessing.fromJson(model.spec().preprocessing(), model.spec().source())
                .canonical()
            : null;
    ModelCard card =
        build(ctx, merge, merge.baseFingerprint(), model.classes(), preprocessing, rows);
    write(ctx, card);
    Result result = new Result(run, dir.toString(), card.sites().size());
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * The card of this run's merged model: the coordinator's metrics from {@code rows} (the merged
   * model's whole-model rows of the metrics table, with intervals), every site's published metrics
   * for the run, the contributing hospitals, θ_pre's provenance and the merge's choices.
   *
   * @param merge the run's merge manifest
   * @param classes class names in label order
   * @param preprocessing {@code Preprocessing.canonical()}, or null for MedMNIST pixels / 255
   */
  static ModelCard build(
      JobContext ctx,
      MergeManifest merge,
      String fingerprint,
      List<String> classes,
      Map<String, Object> preprocessing,
      List<MetricRow> rows) {
    MergedModelStore mergedModels = ctx.mergedModels();
    Map<String, Long[]> labelCounts = new TreeMap<>();
    for (StoredVector v : mergedModels.usedVectors(merge, fingerprint)) {
      labelCounts.put(v.manifest().hospital(), v.manifest().labelCounts().toArray(Long[]::new));
    }
    List<ModelCard.Hospital> hospitals =
        merge.vectors().stream()
            .map(
                v ->
                    new ModelCard.Hospital(
                        v.hospital(),
                        v.examples(),
                        labelCounts.containsKey(v.hospital())
                            ? List.of(labelCounts.get(v.hospital()))
                            : List.of(),
                        v.dpEpsilon(),
                        v.dpDelta()))
            .toList();
    Map<String, Object> base = new LinkedHashMap<>();
    base.put("fingerprint", fingerprint);
    Path baseManifest = new Path(ctx.paths().baseDir(fingerprint), "manifest.json");
    @SuppressWarnings("unchecked")
    Map<String, Object> recorded =
        Json.read(
            HadoopFiles.readString(ctx.hadoop(), baseManifest), Map.class, baseManifest.toString());
    for (String key : List.of("source", "dataset", "parameters", "public_pool", "created_at")) {
      if (recorded.get(key) != null) {
        base.put(key, recorded.get(key));
      }
    }
    Map<String, Object> how = new LinkedHashMap<>();
    how.put("model", merge.model());
    if (ctx.hasResult(MergeVectorsJob.NAME)) {
      MergeVectorsJob.Result m = ctx.readResult(MergeVectorsJob.NAME, MergeVectorsJob.Result.class);
      how.put("strategy", m.strategy());
      how.put("strategy_params", m.params());
      how.put("strategy_selection", m.strategySelection());
      how.put("lambda", m.lambda());
      how.put("lambda_head", m.lambdaHead());
      how.put("lambda_selection", m.lambdaSelection());
      how.put("bn_stats", m.bnStats());
      how.put("output_bias", m.outputBias());
      how.put("output_layer", m.outputLayer());
      how.put("output_layer_pull_mu", m.outputLayerPull());
    }
    Map<String, List<MetricRow>> bySplit = new TreeMap<>();
    for (MetricRow r : rows) {
      if (r.modelKind().equals("merged") && r.label() == null) {
        bySplit.computeIfAbsent(r.split(), s -> new ArrayList<>()).add(r);
      }
    }
    List<ModelCard.SplitMetrics> metrics = new ArrayList<>();
    bySplit.forEach(
        (split, list) ->
            metrics.add(new ModelCard.SplitMetrics(split, list.get(0).n(), cardMetrics(list))));
    String version =
        MedvecBuild.version() != null
            ? MedvecBuild.version()
            : ModelCardJob.class.getPackage().getImplementationVersion();
    Map<String, String> software = new TreeMap<>();
    software.put("version", version == null ? "development build" : version);
    String commit = MedvecBuild.gitCommit();
    if (commit != null) {
      software.put("git_commit", commit);
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("fingerprint", merge.mergedFingerprint());
    model.put("run_id", ctx.common().runId());
    model.put("directory", mergedModels.modelFile().getParent().toString());
    return new ModelCard(
        model,
        classes,
        preprocessing,
        base,
        hospitals,
        how,
        metrics,
        siteMetrics(ctx),
        software,
        Instant.now().toString());
  }

  /**
   * Every site's whole-model metrics for this run, from the committed partitions {@code
   * site-metrics/run_id=RUN/site=*} of the output root, ordered by site, model kind, model and
   * split.
   */
  static List<ModelCard.SiteMetrics> siteMetrics(JobContext ctx) {
    String run = ctx.common().runId();
    Path runPartition = SiteMetricsTable.partition(ctx.paths().out(), run, "x").getParent();
    List<String> partitions =
        new StoreScan(ctx.hadoop(), ctx.paths())
            .siteMetricsPartitions().stream()
                .filter(p -> p.getParent().equals(runPartition))
                .map(Path::toString)
                .toList();
    if (partitions.isEmpty()) {
      return List.of();
    }
    Map<List<String>, List<MetricRow>> grouped = new TreeMap<>(ModelCardJob::compareKeys);
    for (Row r :
        ctx.spark()
            .read()
            .schema(MetricsSchema.SITE_READ)
            .option("basePath", SiteMetricsTable.root(ctx.paths().out()).toString())
            .parquet(partitions.toArray(String[]::new))
            .where("label IS NULL")
            .collectAsList()) {
      String site = r.getAs(SiteMetricsTable.SITE_COLUMN);
      MetricRow row = metricRow(r);
      grouped
          .computeIfAbsent(
              List.of(site, row.modelKind(), row.modelId(), row.split()), k -> new ArrayList<>())
          .add(row);
    }
    List<ModelCard.SiteMetrics> out = new ArrayList<>();
    grouped.forEach(
        (key, list) -> {
          out.add(
              new ModelCard.SiteMetrics(
                  key.get(0),
                  key.get(1),
                  key.get(2),
                  key.get(3),
                  list.get(0).n(),
                  cardMetrics(list)));
        });
    return out;
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i += 1) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** A row of the metrics table (either table: the columns are looked up by name). */
  static MetricRow metricRow(Row r) {
    Double value = r.getAs("value");
    return new MetricRow(
        r.getAs("dataset"),
        r.getAs("model_kind"),
        r.getAs("model_id"),
        r.getAs("split"),
        r.getAs("metric"),
        r.getAs("label"),
        r.getAs("class_name"),
        value == null ? Double.NaN : value,
        r.getAs(MetricsTable.CI_LOW),
        r.getAs(MetricsTable.CI_HIGH),
        r.getAs(MetricsTable.CI_METHOD),
        r.<Long>getAs("n"));
  }

  /** The rows' metrics in the card's order (accuracy, AUC, macro F1). */
  private static List<ModelCard.Metric> cardMetrics(List<MetricRow> rows) {
    return rows.stream()
        .sorted(
            java.util.Comparator.comparingInt(
                r -> EvaluateModelsJob.MODEL_METRICS.indexOf(r.metric())))
        .map(ModelCardJob::metric)
        .toList();
  }

  private static ModelCard.Metric metric(MetricRow r) {
    return new ModelCard.Metric(
        r.metric(),
        Double.isFinite(r.value()) ? r.value() : null,
        r.ciLow(),
        r.ciHigh(),
        r.ciMethod());
  }

  /** Commits {@code card} as {@code runs/RUN/model-card/} (JSON and Markdown) atomically. */
  static Path write(JobContext ctx, ModelCard card) {
    Path dir = new Path(ctx.paths().runDir(), EvaluateModelsJob.MODEL_CARD_DIR);
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), dir)) {
      HadoopFiles.writeStringAtomically(
          ctx.hadoop(), new Path(out.tmp(), ModelCard.JSON_FILE), card.toJson());
      HadoopFiles.writeStringAtomically(
          ctx.hadoop(), new Path(out.tmp(), ModelCard.MARKDOWN_FILE), card.toMarkdown());
      out.commit();
    }
    JobContext.PROGRESS.info("model card: {}", new Path(dir, ModelCard.MARKDOWN_FILE));
    return dir;
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, (spark, config) -> new ModelCardJob(spark, config).run());
  }
}
