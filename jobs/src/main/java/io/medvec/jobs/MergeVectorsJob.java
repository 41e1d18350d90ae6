package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.OutputBiasRefit;
import io.medvec.core.restore.OutputLayerRefit;
import io.medvec.core.restore.Restoration;
import io.medvec.core.merge.Controls;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.Params;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.screen.ScreeningReport;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.privacy.DpRelease;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every data vector registered for the base fingerprint, computes
 * θ_mix = θ_pre + λ·Σ τ_j (streaming), restores batch-norm statistics and publishes the merged
 * model with a manifest naming the vectors it used.
 */
public final class MergeVectorsJob {

  private static final Logger LOG = LoggerFactory.getLogger(MergeVectorsJob.class);

  public static final String NAME = "merge";

  /**
   * @param common shared keys
   * @param lambda {@code merge.lambda}: a fixed λ ≥ 0, or {@code auto} (default) to pick from the grid
   * @param lambdaGrid {@code merge.lambda-grid}: candidates scored on the validation split
   *     ([0.25, 0.5, 0.75, 1.0])
   * @param lambdaScope {@code merge.lambda-scope}: model (default: one λ) | block (one λ for the
   *     feature layers and one for the head — the first dense layer on — every pair of the grid)
   * @param bnStats {@code merge.bn-stats}: restore (default) | average | pretrained
   * @param outputBias {@code merge.output-bias}: keep (default) | refit — after the batch-norm
   *     statistics, re-fit the output layer's bias on the public pool's labels (maximum likelihood,
   *     counts smoothed by {@code merge.output-bias-smoothing}, default 1 per class), for every λ
   *     candidate and control; see {@link OutputBiasRefit}
   * @param outputBiasSmoothing {@code merge.output-bias-smoothing}: pseudo-count per class (&gt; 0)
   * @param outputLayer {@code merge.output-layer}: keep (default) | refit — after the batch-norm
   *     statistics (and before the bias refit, when on), re-fit the output layer's weights and bias on
   *     the public pool, pulled toward the merged layer with strength μ; see {@link OutputLayerRefit}
   * @param outputLayerPulls {@code merge.output-layer-pull}: the μ candidates ([0.1, 1.0]), each
   *     chosen on the validation split together with λ (and the strategy under auto)
   * @param selectMetric {@code merge.select-metric}: log-loss (default; AUC saturates on easy validation splits) | auc | accuracy
   * @param batchSize {@code merge.batch-size}: inference batch for restoration and scoring (256)
   * @param controls {@code merge.controls}: extra models for comparison, each written to
   *     {@code runs/RUN/controls/KIND/} and scored by the evaluate job: {@code mean} (λ = 1/K, the
   *     one-shot parameter average), {@code merged-no-bn-restore} (the chosen λ with θ_pre's batch-norm
   *     statistics), {@code random-vector} (per hospital a random direction with the same per-tensor
   *     norms, merged the same way). Default none.
   * @param strategy {@code merge.strategy}: how the vectors are combined into τ_mix (task-arithmetic;
   *     also weighted-sum, ties, dare, median, trimmed-mean — see README "Merge strategies"), or
   *     {@code auto}: every strategy of {@code merge.candidates} (default parameters) gets its own λ
   *     search and the best on the validation split wins
   * @param candidates {@code merge.candidates}: the strategies {@code auto} chooses from (default all,
   *     task-arithmetic first; on a tie the earlier wins); refused unless the strategy is auto
   * @param params {@code merge.params.*}: the strategy's parameters (e.g. {@code merge.params.top-k: 0.2}
   *     for ties); unknown names are refused with the valid ones
   * @param strategies {@code merge.strategies}: further strategies (default parameters) published as
   *     controls {@code strategy_NAME} for comparison (default none)
   * @param seed {@code merge.seed}: seed of randomised strategies (dare) and controls (17)
   * @param screening {@code merge.screening.*}: outlier screening of the vectors, see {@link ScreeningPolicy}
   */
  public record Config(
      CommonConfig common, Double lambda, List<Double> lambdaGrid, LambdaSearch.Scope lambdaScope,
      BnStatsMode bnStats, Refit outputBias, double outputBiasSmoothing, Refit outputLayer,
      List<Double> outputLayerPulls, LambdaSearch.Metric selectMetric,
      int batchSize, List<String> controls, String strategy, List<String> candidates, Map<String, String> params,
      List<String> strategies, long seed, ScreeningPolicy screening) {

    /** Valid {@code merge.controls} entries. */
    static final List<String> CONTROLS = List.of(Controls.MEAN, Controls.NO_BN_RESTORE, Controls.RANDOM_VECTOR);

    public Config {
      lambdaGrid = List.copyOf(lambdaGrid);
      outputLayerPulls = List.copyOf(outputLayerPulls);
      if (outputLayerPulls.isEmpty()) {
        throw new ConfigException("Invalid config key 'merge.output-layer-pull': must not be empty");
      }
      controls = List.copyOf(controls);
      params = Map.copyOf(params);
      strategies = List.copyOf(strategies);
      if (candidates != null && !strategy.equals(AUTO)) {
        throw new ConfigException("Invalid config key 'merge.candidates': only used with merge.strategy=" + AUTO
            + " (strategy is " + strategy + ")");
      }
      if (strategy.equals(AUTO)) {
        candidates = List.copyOf(candidates == null ? defaultCandidates() : candidates);
      } else {
        candidates = List.of();
      }
      if (strategy.equals(AUTO) && (candidates.isEmpty() || !params.isEmpty())) {
        throw new ConfigException("Invalid config key '" + (candidates.isEmpty() ? "merge.candidates" : "merge.params")
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
        throw new ConfigException("Invalid config key 'merge.strategy', 'merge.candidates', 'merge.params' or"
            + " 'merge.strategies': "
            + e.getMessage(), e);
      }
      if (lambda == null && lambdaGrid.isEmpty()) {
        throw new ConfigException("Invalid config key 'merge.lambda-grid': must not be empty when merge.lambda is auto");
      }
      for (String control : controls) {
        if (!CONTROLS.contains(control)) {
          throw new ConfigException("Invalid config key 'merge.controls': unknown control '" + control + "' (valid: "
              + CONTROLS + ")");
        }
      }
    }

    public static Config from(ConfigMap map) {
      ConfigMap m = map.section("merge");
      Refit outputBias = m.enumValue("output-bias", Refit.class, Refit.KEEP);
      Refit outputLayer = m.enumValue("output-layer", Refit.class, Refit.KEEP);
      return new Config(CommonConfig.from(map), parseLambda(m.string("lambda", "auto")),
          m.numbers("lambda-grid", List.of(0.25, 0.5, 0.75, 1.0), 0.0, 1e6),
          m.enumValue("lambda-scope", LambdaSearch.Scope.class, LambdaSearch.Scope.MODEL),
          m.enumValue("bn-stats", BnStatsMode.class, BnStatsMode.RESTORE),
          outputBias, onlyWithRefit(m, "output-bias", outputBias, "output-bias-smoothing",
              m.number("output-bias-smoothing", 1.0, 1e-9, 1e9)),
          outputLayer, onlyWithRefit(m, "output-layer", outputLayer, "output-layer-pull",
              m.numbers("output-layer-pull", List.of(0.1, 1.0), 1e-9, 1e9)),
          m.enumValue("select-metric", LambdaSearch.Metric.class, LambdaSearch.Metric.LOG_LOSS),
          m.integer("batch-size", 256, 1, 65_536), m.strings("controls", List.of()),
          m.string("strategy", MergeStrategies.DEFAULT), candidates(m),
          params(m.section("params")), m.strings("strategies", List.of()),
          m.longValue("seed", 17), ScreeningPolicy.from(m));
    }

    /**
     * {@code value}, read from {@code merge.KEY}, a setting of the refit of {@code merge.PART}; refused
     * when written while that part is kept, where it would be silently ignored.
     */
    private static <T> T onlyWithRefit(ConfigMap m, String part, Refit refit, String key, T value) {
      if (m.has(key) && refit == Refit.KEEP) {
        throw new ConfigException("Invalid config key 'merge." + key + "': only used with merge." + part
            + "=refit (it is keep)");
      }
      return value;
    }

    /** {@code merge.strategy} value that chooses the strategy on validation. */
    static final String AUTO = "auto";

    /** Every registered strategy, the paper's task arithmetic first. */
    public static List<String> defaultCandidates() {
      List<String> names = new ArrayList<>(List.of(MergeStrategies.DEFAULT));
      MergeStrategies.names().stream().filter(n -> !n.equals(MergeStrategies.DEFAULT)).forEach(names::add);
      return names;
    }

    /**
     * How the merged model's statistics (and output layer, output bias) are restored; {@code pull} is
     * the output layer's μ, null when it is kept.
     */
    Restoration restoration(
        BnStatsMode mode, VectorStore store, List<StoredVector> vectors, ImageSet pool, Double pull) {
      Restoration bn = Restoration.of(mode, store, vectors, pool, batchSize);
      if (pull != null) {
        bn = bn.thenRefitOutputLayer(pool, pull, batchSize);
      }
      return outputBias == Refit.REFIT ? bn.thenRefitOutputBias(pool, outputBiasSmoothing, batchSize) : bn;
    }

    /** The output layer's μ candidates: the configured ones under refit, else only "kept" (null). */
    List<Double> pulls() {
      return outputLayer == Refit.REFIT ? outputLayerPulls : java.util.Collections.singletonList(null);
    }

    /** The λ candidates: the fixed λ, or the grid. */
    List<Double> lambdas() {
      return lambda != null ? List.of(lambda) : lambdaGrid;
    }

    /** {@code merge.candidates} as written, or null when absent (read either way, so it is a known key). */
    private static List<String> candidates(ConfigMap m) {
      List<String> written = m.strings("candidates", List.of());
      return m.has("candidates") ? written : null;
    }

    private static Map<String, String> params(ConfigMap section) {
      Map<String, String> params = new TreeMap<>();
      section.keys().forEach(k -> params.put(k, section.string(k, null)));
      return params;
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
      throw new ConfigException("Invalid config key 'merge.lambda': expected 'auto' or a number >= 0 (" + value + ")");
    }
  }

  /** {@code merge.output-bias}, {@code merge.output-layer}: what happens to that part after merging. */
  public enum Refit {
    /** θ_pre + λ·τ_mix as composed. */
    KEEP,
    /** Re-fitted on the public pool's labels ({@link OutputBiasRefit}, {@link OutputLayerRefit}). */
    REFIT
  }

  /** What the job wrote (also the merged model's manifest). */
  public record Result(
      String runId, String baseFingerprint, String mergedFingerprint, String model, String strategy,
      Map<String, String> params, String strategySelection, List<MergeSelection.Candidate> strategyCandidates,
      double lambda, Double lambdaHead, String lambdaSelection, List<LambdaSearch.Candidate> candidates,
      String bnStats, String outputBias, String outputLayer, Double outputLayerPull, long parameters,
      List<MergeManifest.UsedVector> vectors, List<Controls.Control> controls,
      String createdAt, ScreeningReport screening) {

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

  public Result run() {
    String fingerprint = ctx.baseFingerprint();
    MultiLayerNetwork base = ctx.baseModels().load(fingerprint);
    VectorStore store = new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot());
    List<StoredVector> vectors = store.list(fingerprint);
    if (vectors.isEmpty()) {
      throw new IncompatibleVectorException(
          "Cannot merge: no complete data vectors for base " + fingerprint + " under " + store.baseDir(fingerprint));
    }
    ctx.describe("merge " + vectors.size() + " data vector(s) on base " + fingerprint.substring(0, 12));
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    ScreenedSum screened = ScreenedSum.of(store, vectors, layout, config.screening());
    MedMnist data = ctx.loadData();
    ImageSet pool = data.train().subset(ctx.assignment().publicPool());
    boolean auto = config.strategy().equals(Config.AUTO);
    LambdaSearch.Grid grid = new LambdaSearch.Grid(base, layout, data.val(), config.lambdaScope(), config.lambdas(),
        config.selectMetric(), config.batchSize());
    MergeSelection.Chosen chosen = MergeSelection.select(grid, auto ? config.candidates() : List.of(config.strategy()),
        config.pulls(), name -> screened.direction(name, store, vectors, layout, config.params(), config.seed()),
        mu -> config.restoration(config.bnStats(), store, vectors, pool, mu));
    boolean chosenAmongSeveral = auto || config.pulls().size() > 1;
    String metric = config.selectMetric().name().toLowerCase(Locale.ROOT);
    if (chosenAmongSeveral) {
      LOG.info("Strategy {}{} (λ {}) wins on validation {} among {}", chosen.strategy(),
          chosen.outputLayerPull() == null ? "" : " with output-layer μ " + chosen.outputLayerPull(),
          chosen.choice().lambda(), metric, chosen.tried().size());
    }
    List<Controls.Control> controls =
        new Controls(grid, (mode, mu) -> config.restoration(mode, store, vectors, pool, mu), config.seed())
            .run(config.controls(), config.strategies(), store, vectors, screened.sum(), chosen, this::publishControl);
    LambdaSearch.Choice choice = chosen.choice();
    MultiLayerNetwork best = choice.model();
    Result result = new Result(config.common().runId(), fingerprint, Fingerprint.of(best),
        ctx.mergedModels().modelFile().toString(), chosen.strategy(), config.params(),
        auto ? "best on val " + metric : "fixed", chosenAmongSeveral ? chosen.tried() : List.of(), choice.lambda(),
        choice.lambdaHead(),
        config.lambda() != null ? "fixed" : "grid on val " + metric,
        choice.candidates(), config.bnStats().name().toLowerCase(Locale.ROOT),
        config.outputBias().name().toLowerCase(Locale.ROOT), config.outputLayer().name().toLowerCase(Locale.ROOT),
        chosen.outputLayerPull(), best.numParams(), used(vectors),
        controls, Instant.now().toString(), screened.report());
    ctx.mergedModels().publish(best, layout, result);
    ctx.writeResult(NAME, result);
    return result;
  }

  private Controls.Control publishControl(String kind, LambdaSearch.Choice choice) {
    Controls.Control control = Controls.Control.of(kind, choice, ctx.mergedModels().controlModelFile(kind).toString());
    ctx.mergedModels().publishControl(kind, choice.model(), control);
    return control;
  }

  private static List<MergeManifest.UsedVector> used(List<StoredVector> vectors) {
    return vectors.stream()
        .map(v -> {
          DpRelease dp = v.manifest().privacy();
          return new MergeManifest.UsedVector(v.manifest().hospital(), v.dir().toString(), v.manifest().vectorSha256(),
              v.manifest().examples(), v.manifest().runId(), dp == null ? null : dp.epsilon(),
              dp == null ? null : dp.delta());
        })
        .toList();
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, (spark, config) -> new MergeVectorsJob(spark, config).run());
  }
}
