package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.HospitalId;
import io.medvec.core.data.Split;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.WriterLease;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.BaseManifest;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.store.Preflight;
import io.medvec.core.store.PublishedBase;
import io.medvec.core.store.SiteMetricsTable;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.MetricsSchema;
import io.medvec.jobs.spark.ModelScoring;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Cross-site evaluation at one hospital: {@code bin/medvec evaluate --site NAME --data LOCAL
 * --publish STORE --run RUN}, or {@code spark-submit --class io.medvec.jobs.EvaluateModelsJob} with
 * the same options. The site reads from the consortium's store only run RUN's merged model (and its
 * manifest), θ_pre (the base the merge names) and its own single-site vector if it published one
 * ({@code vectors/base=FP/hospital=NAME}, or the one the merge used), scores the three on its own
 * held-out split(s), and publishes only aggregate metrics: the metrics table's rows ({@code
 * model_kind} pretrained, merged, single_site; accuracy, AUC and macro-F1 per model and split,
 * precision, recall and F1 per class) as partition {@code site-metrics/run_id=RUN/site=NAME/} of
 * the store's site metrics table ({@link SiteMetricsTable}), committed atomically under the
 * partition's writer lease. No image, label, score or path of the site's data reaches the store;
 * the result record stays in the site's own {@code out}.
 */
public final class SiteEvaluateJob {

  /** The result record's name under the site's {@code out/runs/RUN/}. */
  static final String RESULT = "site-evaluate";

  /**
   * @param common shared keys; {@code run-id} names the coordinator's run whose merged model is
   *     scored, {@code out} is the site's own output (result record)
   * @param site {@link #SITE}
   * @param publish {@link #PUBLISH}
   * @param splits {@link #SPLITS}
   * @param partitions {@code evaluate.partitions}
   * @param batchSize {@code evaluate.batch-size}
   */
  public record Config(
      CommonConfig common,
      String site,
      String publish,
      List<Split> splits,
      int partitions,
      int batchSize) {
    public Config {
      if (site.isEmpty()) {
        throw new ConfigException(
            "Missing config key '"
                + SITE.name()
                + "': name this site (--site NAME; "
                + HospitalId.RULE
                + ")");
      }
      HospitalId.requireList(SITE.name(), List.of(site));
      if (publish.isEmpty()) {
        throw new ConfigException(
            "Missing config key '"
                + PUBLISH.name()
                + "': name the consortium's store holding the merged model (--publish STORE)");
      }
      splits = List.copyOf(splits);
    }

    static final ConfigKey<String> SITE =
        ConfigKey.string(
            "site.id",
            "",
            "this site's id in the consortium's store ("
                + HospitalId.RULE
                + "); its metrics are filed under site-metrics/run_id=RUN/site=ID, and its own"
                + " single-site model is the vector vectors/base=FP/hospital=ID if it published one");
    static final ConfigKey<String> PUBLISH =
        ConfigKey.string(
            "site.publish",
            "",
            "the consortium's store: it holds runs/RUN/merged (run-id names RUN), base/ and"
                + " vectors/; the site's aggregate metrics are published to its site-metrics/");
    static final ConfigKey<List<String>> SPLITS =
        ConfigKey.strings(
                "site.splits",
                List.of("test"),
                "the splits of the site's own data to score (its held-out images: the source's"
                    + " test split, or the split rule's for sources without splits)")
            .accepts("a list of train, val, test");

    /** The keys of site mode beyond the evaluate job's. */
    static final ConfigGroup SITE_KEYS =
        ConfigGroup.of(
            "site: cross-site evaluation on this site's own data (--site)", SITE, PUBLISH, SPLITS);

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ConfigGroup.of(
                "evaluate: scoring every model",
                EvaluateModelsJob.Config.SPLITS,
                EvaluateModelsJob.Config.PARTITIONS,
                EvaluateModelsJob.Config.BATCH_SIZE),
            SITE_KEYS);

    public static Config from(ConfigMap map) {
      // the coordinator's splits, read so that conf/evaluate.yaml serves both modes
      EvaluateModelsJob.Config.SPLITS.read(map);
      return new Config(
          CommonConfig.from(map),
          SITE.read(map),
          PUBLISH.read(map),
          SPLITS.read(map).stream().map(Split::parse).toList(),
          EvaluateModelsJob.Config.PARTITIONS.read(map),
          EvaluateModelsJob.Config.BATCH_SIZE.read(map));
    }
  }

  /** Command-line shorthands of site mode (flag → config key). */
  static final Map<String, String> FLAG_KEYS =
      Map.of(
          "data", "data.path",
          "out", "out",
          "run-id", "run-id",
          "run", "run-id",
          "site", Config.SITE.name(),
          "publish", Config.PUBLISH.name());

  /** The option that selects site mode of {@code evaluate}. */
  static final Set<String> MODE_FLAGS = Set.of("--site");

  /**
   * What the job published: the partition's directory and its rows (aggregates only).
   *
   * @param models the model_kind/model_id pairs scored
   */
  public record Result(
      String site,
      String runId,
      String baseFingerprint,
      String partition,
      List<String> models,
      List<EvaluateModelsJob.MetricRow> rows) {}

  private final JobContext ctx;
  private final Config config;

  public SiteEvaluateJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    Configuration conf = ctx.hadoop();
    String site = config.site();
    String run = config.common().runId();
    Path store = HadoopFiles.qualify(conf, config.publish());
    OutputLayout layout = new OutputLayout(store, run);
    MergedModelStore mergedModels = new MergedModelStore(conf, layout);
    MergeManifest merge =
        mergedModels
            .manifest()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "Cannot evaluate run "
                            + run
                            + " at site "
                            + site
                            + ": the store has no merged model of that run ("
                            + layout.mergedDir()
                            + " is missing or incomplete)"));
    String fingerprint = merge.baseFingerprint();
    PublishedBase base =
        PublishedBase.at(conf, Config.PUBLISH.name(), layout.baseDir(fingerprint).toString(), null);
    Path partition = SiteMetricsTable.partition(store, run, site);
    Preflight.requireWritable(conf, partition);
    Preflight.requireWritable(conf, ctx.paths().result(RESULT));
    ctx.describe(
        "site "
            + site
            + ": score run "
            + run
            + "'s merged model, base "
            + fingerprint.substring(0, 12)
            + " and its own model on "
            + config.splits()
            + " of "
            + ctx.dataPath()
            + ", publish aggregates to "
            + partition);
    // the data is checked against the base before any scoring or lease
    Network net = base.load(conf);
    Preprocessing preprocessing =
        JobContext.basePreprocessing(BaseManifest.read(conf, base.dir()), config.common());
    // listed only: the scoring tasks decode the images
    SourceListing listing = JobContext.listData(conf, ctx.dataSpec(preprocessing));
    String what = "the data of site " + site + " (" + ctx.dataPath() + ")";
    for (Split split : config.splits()) {
      Preflight.requireNonEmpty(
          listing.examples(split).size(),
          Preflight.split(split, ctx.dataPath().toString()),
          "evaluate at site " + site,
          "site.splits names it");
      requireFits(base, net, listing, split, what);
    }
    List<ModelScoring.Model> models = models(conf, store, run, base, net, merge, mergedModels);
    try (WriterLease lease = WriterLease.acquire(conf, partition)) {
      Map<String, ScoreSet> scores = score(models, listing);
      List<String> classes = base.classes().isEmpty() ? listing.classes() : base.classes();
      List<EvaluateModelsJob.MetricRow> rows =
          EvaluateModelsJob.rows(base.dataset(listing.dataset()), classes, scores);
      write(partition, rows, fingerprint);
      Result result =
          new Result(
              site,
              run,
              fingerprint,
              partition.toString(),
              models.stream().map(m -> m.kind() + "/" + m.id()).toList(),
              rows);
      ctx.writeResult(RESULT, result);
      JobContext.PROGRESS.info("site {} published {} rows to {}", site, rows.size(), partition);
      return result;
    }
  }

  /**
   * Refuses data the base cannot score: images it does not accept, class names that differ from the
   * ones the base records, or labels beyond its classes.
   */
  private static void requireFits(
      PublishedBase base, Network net, SourceListing listing, Split split, String what) {
    String cannot = "Cannot evaluate base " + base.fingerprint() + " on " + what;
    List<String> dataClasses = listing.classes();
    int numClasses = dataClasses.size();
    int outputs = PublishedBase.outputs(net, listing, split, cannot);
    List<String> classes = base.classes();
    boolean named = !dataClasses.isEmpty() && !labelIndices(dataClasses);
    if (!classes.isEmpty() && named && !classes.equals(dataClasses)) {
      throw new IllegalArgumentException(
          cannot + ": its classes are " + classes + ", the data's " + dataClasses);
    }
    if (numClasses > outputs) {
      throw new IllegalArgumentException(
          cannot
              + ": the data has labels up to "
              + (numClasses - 1)
              + ", the base has "
              + outputs
              + " classes ("
              + numClasses
              + " > "
              + outputs
              + ")");
    }
  }

  /** Whether {@code classes} are the label indices 0, 1, … of a source without class names. */
  private static boolean labelIndices(List<String> classes) {
    for (int i = 0; i < classes.size(); i += 1) {
      if (!classes.get(i).equals(Integer.toString(i))) {
        return false;
      }
    }
    return true;
  }

  /** θ_pre, the merged model and, if the site published a vector, its single-site model. */
  private List<ModelScoring.Model> models(
      Configuration conf,
      Path store,
      String run,
      PublishedBase base,
      Network net,
      MergeManifest merge,
      MergedModelStore mergedModels) {
    List<ModelScoring.Model> models = new ArrayList<>();
    PixelScale scale = net.inputScale();
    models.add(new ModelScoring.Model("pretrained", "pretrained", ModelIO.toBytes(net), scale));
    models.add(new ModelScoring.Model("merged", "merged", mergedModels.modelBytes(merge), scale));
    Optional<Own> own = ownVector(conf, store, run, merge);
    if (own.isPresent()) {
      StoredVector vector = own.get().vector();
      Preflight.requireFiles(conf, vector, true, "the site rebuilds its single-site model from it");
      Network model =
          EvaluateModelsJob.rebuild(
              net,
              own.get().store(),
              vector,
              ParamVectors.layout(net, ParamKind.TRAINABLE),
              ParamVectors.layout(net, ParamKind.BN_STATISTIC));
      models.add(
          new ModelScoring.Model("single_site", config.site(), ModelIO.toBytes(model), scale));
    } else {
      JobContext.PROGRESS.info(
          "site {} has no vector of base {} in {}: no single_site model",
          config.site(),
          base.fingerprint().substring(0, 12),
          store);
    }
    return models;
  }

  private record Own(VectorStore store, StoredVector vector) {}

  /** The site's vector the merge used, else its vector of the base in the shared store. */
  private Optional<Own> ownVector(Configuration conf, Path store, String run, MergeManifest merge) {
    String site = config.site();
    String fingerprint = merge.baseFingerprint();
    String source =
        new MergedModelStore(conf, new OutputLayout(store, run)).manifestFile().toString();
    for (int i = 0; i < merge.vectors().size(); i += 1) {
      if (merge.vectors().get(i).hospital().equals(site)) {
        MergeManifest.VectorRef ref = merge.locate(i, run, source);
        VectorStore vectors = new VectorStore(conf, new Path(store, ref.storeRoot()));
        Optional<StoredVector> found = vectors.find(fingerprint, site);
        if (found.isPresent()) {
          return Optional.of(new Own(vectors, found.get()));
        }
      }
    }
    VectorStore shared = new VectorStore(conf, new OutputLayout(store, run).sharedVectorsRoot());
    return shared.find(fingerprint, site).map(v -> new Own(shared, v));
  }

  /** Every model on every configured split, in Spark tasks; score lists merged in the driver. */
  private Map<String, ScoreSet> score(List<ModelScoring.Model> models, SourceListing listing) {
    return EvaluateModelsJob.scoreAll(
        ctx,
        models,
        s -> listing.examples(s).size(),
        config.splits(),
        config.partitions(),
        ctx.dataSpec(listing.preprocessing()),
        config.batchSize());
  }

  /** The partition's rows as Parquet, committed atomically (run_id and site are its path). */
  private void write(Path partition, List<EvaluateModelsJob.MetricRow> rows, String fingerprint) {
    String now = Instant.now().toString();
    List<Row> sparkRows = rows.stream().map(r -> r.toSparkRow(fingerprint, null, now)).toList();
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), partition)) {
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
   * Whether {@code args} ask {@code evaluate} for site mode: {@code --site} or {@code --set
   * site.id=}.
   */
  static boolean requested(String[] args) {
    return Arrays.stream(args)
        .anyMatch(
            a ->
                MODE_FLAGS.contains(a.contains("=") ? a.substring(0, a.indexOf('=')) : a)
                    || a.startsWith(Config.SITE.name() + "="));
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static int execute(String[] args) {
    return JobMain.executeCli(
        args,
        EvaluateModelsJob.NAME,
        cli -> JobMain.parseConfig(cli, EvaluateModelsJob.NAME, FLAG_KEYS, Config::from),
        (spark, config) -> new SiteEvaluateJob(spark, config).run());
  }
}
