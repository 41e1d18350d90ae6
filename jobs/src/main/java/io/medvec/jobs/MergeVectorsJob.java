package io.medvec.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import io.medvec.core.io.WriterLease;
import io.medvec.core.merge.Controls;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.screen.ScreeningReport;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.Params;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.Network;
import io.medvec.core.privacy.DpRelease;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.OutputBiasRefit;
import io.medvec.core.restore.OutputLayerRefit;
import io.medvec.core.restore.Restoration;
import io.medvec.core.source.SourceKeys;
import io.medvec.core.source.SourceListing;
import io.medvec.core.store.AssignmentStore;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.ContentIdentity;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.store.Preflight;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.CandidateEngine;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.MergeEngine;
import io.medvec.jobs.spark.SparkMerge;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every data vector registered for the base fingerprint, computes θ_mix = θ_pre + λ·Σ τ_j
 * (streaming), restores batch-norm statistics and publishes the merged model with a manifest naming
 * the vectors it used.
 */
public final class MergeVectorsJob {

  private static final Logger LOG = LoggerFactory.getLogger(MergeVectorsJob.class);

  public static final String NAME = "merge";

  /**
   * Each component is read from the key declared below with its default and meaning.
   *
   * @param common shared keys
   * @param lambda {@link #LAMBDA}: null for auto
   * @param screening {@code merge.screening.*}, see {@link ScreeningPolicy}
   */
  public record Config(
      CommonConfig common,
      Double lambda,
      List<Double> lambdaGrid,
      LambdaSearch.Scope lambdaScope,
      BnStatsMode bnStats,
      Refit outputBias,
      double outputBiasSmoothing,
      Refit outputLayer,
      List<Double> outputLayerPulls,
      LambdaSearch.Metric selectMetric,
      int batchSize,
      List<String> controls,
      String strategy,
      List<String> candidates,
      Map<String, String> params,
      List<String> strategies,
      long seed,
      ScreeningPolicy screening,
      int maxExamples,
      MergeEngine engine,
      int sparkPartitions,
      CandidateEngine lambdaEngine,
      int lambdaPartitions) {

    /** Valid {@code merge.controls} entries. */
    static final List<String> CONTROLS =
        List.of(Controls.MEAN, Controls.NO_BN_RESTORE, Controls.RANDOM_VECTOR);

    public Config {
      lambdaGrid = List.copyOf(lambdaGrid);
      outputLayerPulls = List.copyOf(outputLayerPulls);
      if (outputLayerPulls.isEmpty()) {
        throw new ConfigException(
            "Invalid config key 'merge.output-layer-pull': must not be empty");
      }
      controls = List.copyOf(controls);
      params = Map.copyOf(params);
      strategies = List.copyOf(strategies);
      if (candidates != null && !strategy.equals(AUTO)) {
        throw new ConfigException(
            "Invalid config key 'merge.candidates': only used with merge.strategy="
                + AUTO
                + " (strategy is "
                + strategy
                + ")");
      }
      if (strategy.equals(AUTO)) {
        candidates = List.copyOf(candidates == null ? defaultCandidates() : candidates);
      } else {
        candidates = List.of();
      }
      if (strategy.equals(AUTO) && (candidates.isEmpty() || !params.isEmpty())) {
        throw new ConfigException(
            "Invalid config key '"
                + (candidates.isEmpty() ? "merge.candidates" : "merge.params")
                + "': merge.strategy=auto needs at least one candidate and tries each with its default parameters");
      }
      try {
        if (strategy.equals(AUTO)) {
          candidates.forEach(MergeStrategies::get);
        } else {
          Params.parse(MergeStrategies.get(strategy), params);
        }
        strategies.forEach(MergeStrategies::get);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "Invalid config key 'merge.strategy', 'merge.candidates', 'merge.params' or"
                + " 'merge.strategies': "
                + e.getMessage(),
            e);
      }
      if (lambda == null && lambdaGrid.isEmpty()) {
        throw new ConfigException(
            "Invalid config key 'merge.lambda-grid': must not be empty when merge.lambda is auto");
      }
      for (String control : controls) {
        if (!CONTROLS.contains(control)) {
          throw new ConfigException(
              "Invalid config key 'merge.controls': unknown control '"
                  + control
                  + "' (valid: "
                  + CONTROLS
                  + ")");
        }
      }
    }

    static final ConfigKey<String> LAMBDA =
        ConfigKey.string(
                "merge.lambda",
                Config.AUTO,
                "the scale of the summed vectors: a fixed lambda, or auto to pick the best of merge.lambda-grid on"
                    + " validation")
            .accepts("auto or a number >= 0");
    static final ConfigKey<List<Double>> LAMBDA_GRID =
        ConfigKey.numbers(
            "merge.lambda-grid",
            List.of(0.25, 0.5, 0.75, 1.0),
            0.0,
            1e6,
            "lambda candidates scored on the validation split");
    static final ConfigKey<LambdaSearch.Scope> LAMBDA_SCOPE =
        ConfigKey.enumValue(
            "merge.lambda-scope",
            LambdaSearch.Scope.class,
            LambdaSearch.Scope.MODEL,
            "model: one lambda; block: one for the feature layers and one for the head, every pair of the grid");
    static final ConfigKey<BnStatsMode> BN_STATS =
        ConfigKey.enumValue(
            "merge.bn-stats",
            BnStatsMode.class,
            BnStatsMode.RESTORE,
            "the merged model's batch-norm statistics: re-estimated on the public pool,"
                + " averaged over the vectors, or theta_pre's");
    static final ConfigKey<Refit> OUTPUT_BIAS =
        ConfigKey.enumValue(
            "merge.output-bias",
            Refit.class,
            Refit.KEEP,
            "refit: re-fit the output bias on the public pool's labels, for every lambda candidate and control");
    static final ConfigKey<Double> OUTPUT_BIAS_SMOOTHING =
        ConfigKey.number(
            "merge.output-bias-smoothing",
            1.0,
            1e-9,
            1e9,
            "pseudo-count per class of the output-bias refit (only with merge.output-bias=refit)");
    static final ConfigKey<Refit> OUTPUT_LAYER =
        ConfigKey.enumValue(
            "merge.output-layer",
            Refit.class,
            Refit.KEEP,
            "refit: re-fit the output layer on the public pool, pulled toward the merged layer with strength mu");
    static final ConfigKey<List<Double>> OUTPUT_LAYER_PULL =
        ConfigKey.numbers(
            "merge.output-layer-pull",
            List.of(0.1, 1.0),
            1e-9,
            1e9,
            "mu candidates, each chosen on validation together with lambda (only with"
                + " merge.output-layer=refit)");
    static final ConfigKey<LambdaSearch.Metric> SELECT_METRIC =
        ConfigKey.enumValue(
            "merge.select-metric",
            LambdaSearch.Metric.class,
            LambdaSearch.Metric.LOG_LOSS,
            "validation metric that picks lambda, mu and (under auto) the strategy");
    static final ConfigKey<Integer> BATCH_SIZE =
        ConfigKey.integer(
            "merge.batch-size",
            256,
            1,
            65_536,
            "inference batch of batch-norm restoration and scoring");
    static final ConfigKey<List<String>> CONTROLS_KEY =
        ConfigKey.strings(
                "merge.controls",
                List.of(),
                "extra models scored for comparison: mean (lambda = 1/K), merged-no-bn-restore, random-vector")
            .accepts("a list of " + String.join(", ", CONTROLS));
    static final ConfigKey<String> STRATEGY =
        ConfigKey.string(
            "merge.strategy",
            MergeStrategies.DEFAULT,
            "how the vectors combine into tau_mix ("
                + String.join(", ", MergeStrategies.names())
                + "), or auto:"
                + " the best of merge.candidates on validation");
    static final ConfigKey<List<String>> CANDIDATES =
        ConfigKey.strings(
                "merge.candidates",
                List.of(),
                "the strategies auto chooses from, the earlier winning a tie (only with merge.strategy=auto)")
            .defaultText("every strategy, task-arithmetic first");
    static final ConfigKey<Map<String, String>> PARAMS =
        ConfigKey.family(
            "merge.params",
            "a parameter of the strategy, e.g. merge.params.top-k: 0.2 for ties; unknown names are refused");
    static final ConfigKey<List<String>> STRATEGIES =
        ConfigKey.strings(
            "merge.strategies",
            List.of(),
            "further strategies (default parameters) published as controls strategy_NAME");
    static final ConfigKey<Long> SEED =
        ConfigKey.longValue("merge.seed", 17, "seed of randomised strategies (dare) and controls");
    static final ConfigKey<Integer> MAX_EXAMPLES =
        ConfigKey.integer(
            "merge.max-examples",
            1_000_000,
            1,
            Integer.MAX_VALUE,
            "largest example count a vector of another run may report (weighted merges and"
                + " merge.bn-stats=average weigh by it); this run's hospitals are bounded by their"
                + " rows in the partition");
    static final ConfigKey<MergeEngine> ENGINE =
        ConfigKey.enumValue(
            "merge.engine",
            MergeEngine.class,
            MergeEngine.AUTO,
            "where the vectors are summed, merged and screened: local (streamed in the driver),"
                + " spark (a Spark job over chunk ranges, the same bits), or auto: spark when the"
                + " session has more than one core and the vectors total at least 1 GiB"
                + " (K x P x 4 bytes), else local (measured on 2 cores: spark 1.2x faster"
                + " than local from K = 16 x P = 1e6 when idle, up to 3x slower under load, and no"
                + " gain from a second local-cluster executor; docs/benchmarks.md)");
    static final ConfigKey<Integer> SPARK_PARTITIONS =
        ConfigKey.integer(
            "merge.spark.partitions",
            0,
            0,
            1_000_000,
            "chunk ranges (tasks) of a merge on Spark; 0: two per core, more when a coordinate-wise"
                + " strategy or screening would hold over 64 MB of vectors per task, and coordinate"
                + " slices of each chunk as separate tasks when even one chunk would (K > 256);"
                + " the bits do not depend on it");

    static final ConfigKey<CandidateEngine> LAMBDA_ENGINE =
        ConfigKey.enumValue(
            "merge.lambda-engine",
            CandidateEngine.class,
            CandidateEngine.LOCAL,
            "where the candidates (every lambda, strategy under auto, output-layer mu, control) are"
                + " scored on validation: local (in the driver, one after another), spark (each"
                + " search's candidates built in the driver and scored in Spark tasks over slices"
                + " of the validation split, the same scores), or auto: spark when the session has"
                + " more than one executor core and there is more than one candidate, else local");
    static final ConfigKey<Integer> LAMBDA_PARTITIONS =
        ConfigKey.integer(
            "merge.lambda-partitions",
            0,
            0,
            100_000,
            "validation slices (Spark tasks) of each search when candidates are scored on Spark;"
                + " 0: one per executor core; never more than the split has merge.batch-size"
                + " batches (the scores do not depend on it)");

    /** The keys this job reads. */
    static final List<ConfigGroup> KEYS =
        List.of(
            CommonConfig.KEYS,
            SourceKeys.SOURCE,
            SourceKeys.PREPROCESSING,
            ConfigGroup.of(
                "merge: theta_mix = theta_pre" + " + lambda * tau_mix",
                LAMBDA,
                LAMBDA_GRID,
                LAMBDA_SCOPE,
                BN_STATS,
                OUTPUT_BIAS,
                OUTPUT_BIAS_SMOOTHING,
                OUTPUT_LAYER,
                OUTPUT_LAYER_PULL,
                SELECT_METRIC,
                BATCH_SIZE,
                CONTROLS_KEY,
                STRATEGY,
                CANDIDATES,
                PARAMS,
                STRATEGIES,
                SEED,
                MAX_EXAMPLES,
                ENGINE,
                SPARK_PARTITIONS,
                LAMBDA_ENGINE,
                LAMBDA_PARTITIONS),
            ScreeningPolicy.KEYS);

    public static Config from(ConfigMap map) {
      Refit outputBias = OUTPUT_BIAS.read(map);
      Refit outputLayer = OUTPUT_LAYER.read(map);
      return new Config(
          CommonConfig.from(map),
          parseLambda(LAMBDA.read(map)),
          LAMBDA_GRID.read(map),
          LAMBDA_SCOPE.read(map),
          BN_STATS.read(map),
          outputBias,
          onlyWithRefit(map, OUTPUT_BIAS, outputBias, OUTPUT_BIAS_SMOOTHING),
          outputLayer,
          onlyWithRefit(map, OUTPUT_LAYER, outputLayer, OUTPUT_LAYER_PULL),
          SELECT_METRIC.read(map),
          BATCH_SIZE.read(map),
          CONTROLS_KEY.read(map),
          STRATEGY.read(map),
          candidates(map),
          PARAMS.read(map),
          STRATEGIES.read(map),
          SEED.read(map),
          ScreeningPolicy.from(map),
          MAX_EXAMPLES.read(map),
          ENGINE.read(map),
          SPARK_PARTITIONS.read(map),
          LAMBDA_ENGINE.read(map),
          LAMBDA_PARTITIONS.read(map));
    }

    /**
     * The value of {@code key}, a setting of the refit of {@code part}; refused when written while
     * that part is kept, where it would be silently ignored.
     */
    private static <T> T onlyWithRefit(
        ConfigMap map, ConfigKey<Refit> part, Refit refit, ConfigKey<T> key) {
      T value = key.read(map);
      if (key.isSet(map) && refit == Refit.KEEP) {
        throw new ConfigException(
            "Invalid config key '"
                + key.name()
                + "': only used with "
                + part.name()
                + "=refit (it is keep)");
      }
      return value;
    }

    /** {@code merge.strategy} value that chooses the strategy on validation. */
    static final String AUTO = "auto";

    /** Every registered strategy, the paper's task arithmetic first. */
    public static List<String> defaultCandidates() {
      List<String> names = new ArrayList<>(List.of(MergeStrategies.DEFAULT));
      MergeStrategies.names().stream()
          .filter(n -> !n.equals(MergeStrategies.DEFAULT))
          .forEach(names::add);
      return names;
    }

    /**
     * How the merged model's statistics (and output layer, output bias) are restored; {@code pull}
     * is the output layer's μ, null when it is kept.
     */
    Restoration restoration(
        BnStatsMode mode,
        VectorStore store,
        List<StoredVector> vectors,
        ImageSet pool,
        Double pull) {
      Restoration bn = Restoration.of(mode, store, vectors, pool, batchSize);
      if (pull != null) {
        bn = bn.thenRefitOutputLayer(pool, pull, batchSize);
      }
      return outputBias == Refit.REFIT
          ? bn.thenRefitOutputBias(pool, outputBiasSmoothing, batchSize)
          : bn;
    }

    /**
     * The output layer's μ candidates: the configured ones under refit, else only "kept" (null).
     */
    List<Double> pulls() {
      return outputLayer == Refit.REFIT
          ? outputLayerPulls
          : java.util.Collections.singletonList(null);
    }

    /** The λ candidates: the fixed λ, or the grid. */
    List<Double> lambdas() {
      return lambda != null ? List.of(lambda) : lambdaGrid;
    }

    /**
     * How many models the merge's selection scores: λ candidates (squared under {@code
     * merge.lambda-scope: block}) × strategies × output-layer μ.
     */
    long selectionCandidates() {
      long perSearch = lambdas().size();
      if (lambdaScope == LambdaSearch.Scope.BLOCK) {
        perSearch *= perSearch;
      }
      int strategyCount = strategy.equals(AUTO) ? candidates.size() : 1;
      return perSearch * strategyCount * pulls().size();
    }

    /**
     * {@code merge.candidates} as written, or null when absent (read either way, so it is a known
     * key).
     */
    private static List<String> candidates(ConfigMap map) {
      List<String> written = CANDIDATES.read(map);
      return CANDIDATES.isSet(map) ? written : null;
    }

    private static Double parseLambda(String value) {
      if (value.equals("auto")) {
        return null;
      }
      try {
        double lambda = Double.parseDouble(value);
        if (lambda >= 0 && Double.isFinite(lambda)) {
          return lambda;
        }
      } catch (NumberFormatException e) {
        // reported below with the key and value
      }
      throw new ConfigException(
          "Invalid config key 'merge.lambda': expected 'auto' or a number >= 0 (" + value + ")");
    }
  }

  /**
   * {@code merge.output-bias}, {@code merge.output-layer}: what happens to that part after merging.
   */
  public enum Refit {
    /** θ_pre + λ·τ_mix as composed. */
    KEEP,
    /**
     * Re-fitted on the public pool's labels ({@link OutputBiasRefit}, {@link OutputLayerRefit}).
     */
    REFIT
  }

  /**
   * What the job wrote (also the merged model's manifest); {@code inputContract} is θ_pre's input
   * contract (an imported network's size, layout and pixel range), null when it records none.
   */
  public record Result(
      String runId,
      String baseFingerprint,
      String mergedFingerprint,
      String model,
      String strategy,
      Map<String, String> params,
      String strategySelection,
      List<MergeSelection.Candidate> strategyCandidates,
      double lambda,
      Double lambdaHead,
      String lambdaSelection,
      List<LambdaSearch.Candidate> candidates,
      String bnStats,
      String outputBias,
      String outputLayer,
      Double outputLayerPull,
      long parameters,
      List<MergeManifest.UsedVector> vectors,
      List<Controls.Control> controls,
      String createdAt,
      ScreeningReport screening,
      JsonNode inputContract) {

    public Result {
      controls = controls == null ? List.of() : List.copyOf(controls);
      strategyCandidates = strategyCandidates == null ? List.of() : List.copyOf(strategyCandidates);
    }
  }

  private final JobContext ctx;
  private final Config config;

  public MergeVectorsJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  /**
   * Merges under the writer lease of {@code runs/RUN/merged}, taken before any work and held until
   * the merged model, the controls and the result record are written: a second merge of the run is
   * refused at once, and the record and the model always come from the same merge.
   */
  public Result run() {
    try (WriterLease lease = WriterLease.acquire(ctx.hadoop(), ctx.paths().mergedDir())) {
      return merge();
    }
  }

  private Result merge() {
    String fingerprint = ctx.baseFingerprint();
    Network base = ctx.baseModels().load(fingerprint);
    VectorStore store = new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot());
    List<StoredVector> vectors = store.list(fingerprint);
    if (vectors.isEmpty()) {
      throw new IncompatibleVectorException(
          "Cannot merge: no complete data vectors for base "
              + fingerprint
              + " under "
              + store.baseDir(fingerprint));
    }
    Map<String, int[]> assignment = ctx.assignment().read();
    int[] poolIndices = assignment.getOrDefault(AssignmentStore.PUBLIC_POOL, new int[0]);
    // only what the merge passes forward: the public pool and the validation split
    SourceListing listing = ctx.listData(fingerprint);
    ImageSet pool;
    ImageSet val;
    if (listing.streams()) {
      pool = listing.images(Split.TRAIN, listing.select(Split.TRAIN, poolIndices));
      val = listing.images(Split.VAL, listing.examples(Split.VAL));
    } else {
      MedMnist data = listing.materialize().data();
      pool = data.train().subset(poolIndices);
      val = data.val();
    }
    List<MergeManifest.UsedVector> used = preflight(vectors, val, pool, assignment);
    ctx.describe(
        "merge " + vectors.size() + " data vector(s) on base " + fingerprint.substring(0, 12));
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    MergeEngine engine = config.engine().resolve(ctx.spark(), vectors.size(), layout.size());
    SparkMerge spark =
        engine == MergeEngine.SPARK
            ? new SparkMerge(ctx.spark(), ctx.hadoop(), config.sparkPartitions())
            : null;
    LOG.info("Merging {} data vectors with engine {}", vectors.size(), engine);
    ScreenedSum screened =
        spark == null
            ? ScreenedSum.of(store, vectors, layout, config.screening())
            : spark.screenedSum(vectors, layout, config.screening());
    boolean auto = config.strategy().equals(Config.AUTO);
    LambdaSearch.Grid grid =
        new LambdaSearch.Grid(
                base,
                layout,
                val,
                config.lambdaScope(),
                config.lambdas(),
                config.selectMetric(),
                config.batchSize())
            .withScorer(candidateScorer(fingerprint, val.size()));
    MergeSelection.Chosen chosen =
        MergeSelection.select(
            grid,
            auto ? config.candidates() : List.of(config.strategy()),
            config.pulls(),
            name ->
                spark == null
                    ? screened.direction(
                        name, store, vectors, layout, config.params(), config.seed())
                    : spark.direction(
                        screened, name, vectors, layout, config.params(), config.seed()),
            mu -> config.restoration(config.bnStats(), store, vectors, pool, mu));
    boolean chosenAmongSeveral = auto || config.pulls().size() > 1;
    String metric = config.selectMetric().name().toLowerCase(Locale.ROOT);
    if (chosenAmongSeveral) {
      LOG.info(
          "Strategy {}{} (λ {}) wins on validation {} among {}",
          chosen.strategy(),
          chosen.outputLayerPull() == null
              ? ""
              : " with output-layer μ " + chosen.outputLayerPull(),
          chosen.choice().lambda(),
          metric,
          chosen.tried().size());
    }
    List<Controls.Control> controls =
        new Controls(
                grid,
                (mode, mu) -> config.restoration(mode, store, vectors, pool, mu),
                config.seed())
            .run(
                config.controls(),
                config.strategies(),
                store,
                vectors,
                screened.sum(),
                chosen,
                this::publishControl);
    LambdaSearch.Choice choice = chosen.choice();
    Network best = choice.model();
    JsonNode contract = ctx.baseModels().manifest(fingerprint).get(BaseModelStore.INPUT_CONTRACT);
    Result result =
        new Result(
            config.common().runId(),
            fingerprint,
            Fingerprint.of(best),
            ctx.mergedModels().modelFile().toString(),
            chosen.strategy(),
            config.params(),
            auto ? "best on val " + metric : "fixed",
            chosenAmongSeveral ? chosen.tried() : List.of(),
            choice.lambda(),
            choice.lambdaHead(),
            config.lambda() != null ? "fixed" : "grid on val " + metric,
            choice.candidates(),
            config.bnStats().name().toLowerCase(Locale.ROOT),
            config.outputBias().name().toLowerCase(Locale.ROOT),
            config.outputLayer().name().toLowerCase(Locale.ROOT),
            chosen.outputLayerPull(),
            best.numParams(),
            used,
            controls,
            Instant.now().toString(),
            screened.report(),
            contract);
    ctx.mergedModels().publish(best, layout, result);
    ctx.writeResult(NAME, result);
    return result;
  }

  /**
   * Where the candidates are scored ({@code merge.lambda-engine}): null for the driver loop, else
   * Spark tasks over slices of the validation split ({@code valSize} images) that load the source
   * as the driver did.
   */
  private LambdaSearch.Scorer candidateScorer(String fingerprint, int valSize) {
    CandidateEngine engine =
        config.lambdaEngine().resolve(ctx.spark(), config.selectionCandidates());
    int slices =
        config.lambdaPartitions() > 0
            ? config.lambdaPartitions()
            : Math.max(1, ctx.spark().sparkContext().defaultParallelism());
    LOG.info(
        "Scoring {} candidate(s) with engine {}{}",
        config.selectionCandidates(),
        engine,
        engine == CandidateEngine.SPARK ? " over " + slices + " validation slice(s)" : "");
    if (engine != CandidateEngine.SPARK) {
      return null;
    }
    return new SparkCandidateScoring(
        ctx, valSize, ctx.dataSpec(ctx.basePreprocessing(fingerprint)), slices, config.batchSize());
  }

  private Controls.Control publishControl(String kind, LambdaSearch.Choice choice) {
    Controls.Control control =
        Controls.Control.of(kind, choice, ctx.mergedModels().controlModelFile(kind).toString());
    ctx.mergedModels().publishControl(kind, choice.model(), control);
    return control;
  }

  /**
   * What must hold before any vector is read or model scored: the outputs are writable, the
   * validation split (λ and strategy selection) is non-empty, the public pool is non-empty where
   * the restoration needs it, every vector's files that the modes read are present, no two vectors
   * are the same delta, and every example count is bounded. Returns the vectors as the manifest
   * records them.
   */
  private List<MergeManifest.UsedVector> preflight(
      List<StoredVector> vectors, ImageSet val, ImageSet pool, Map<String, int[]> assignment) {
    Preflight.requireWritable(ctx.hadoop(), ctx.paths().mergedDir());
    Preflight.requireNonEmpty(
        val,
        Preflight.split(Split.VAL, ctx.dataPath().toString()),
        "merge",
        "merge scores every candidate on it");
    config.restoration(config.bnStats(), null, vectors, pool, config.pulls().get(0));
    boolean average = config.bnStats() == BnStatsMode.AVERAGE;
    for (StoredVector v : vectors) {
      Preflight.requireFiles(ctx.hadoop(), v, average, "merge.bn-stats=average reads it");
    }
    ContentIdentity.requireDistinct(vectors);
    return vectors.stream().map(v -> used(v, assignment)).toList();
  }

  /**
   * A vector as the merge manifest records it: by its directory relative to the output root, its
   * checksums, and its example count with the bound it was checked against.
   */
  private MergeManifest.UsedVector used(StoredVector v, Map<String, int[]> assignment) {
    VectorManifest m = v.manifest();
    int[] rows = assignment.get(m.hospital());
    boolean ours = m.runId().equals(config.common().runId()) && rows != null;
    long bound = ours ? rows.length : config.maxExamples();
    String boundBy = ours ? "partition" : Config.MAX_EXAMPLES.name();
    if (m.examples() > bound) {
      throw new IllegalArgumentException(
          "Cannot merge data vector "
              + new Path(v.dir(), VectorStore.MANIFEST_FILE)
              + ": it reports more examples than "
              + (ours
                  ? "hospital " + m.hospital() + " has in " + ctx.paths().partitionDir()
                  : boundBy + " allows")
              + " ("
              + m.examples()
              + " > "
              + bound
              + ")");
    }
    DpRelease dp = m.privacy();
    return new MergeManifest.UsedVector(
        m.hospital(),
        ctx.paths().relative(ctx.paths().vectorsRoot())
            + "/base="
            + m.baseFingerprint()
            + "/hospital="
            + m.hospital(),
        m.vectorSha256(),
        m.examples(),
        m.runId(),
        dp == null ? null : dp.epsilon(),
        dp == null ? null : dp.delta(),
        m.bnStatsSha256(),
        bound,
        boundBy);
  }

  public static void main(String[] args) {
    JobMain.run(
        args, NAME, Config::from, (spark, config) -> new MergeVectorsJob(spark, config).run());
  }
}
