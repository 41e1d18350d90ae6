package io.medvec.jobs;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.merge.BatchNormSource;
import io.medvec.core.merge.BnStatsMode;
import io.medvec.core.merge.SyntheticWeights;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.screen.ScreeningReport;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Predictor;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
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

  static final String NAME = "merge";
  static final String MODEL_FILE = "model.zip";
  private static final Logger LOG = LoggerFactory.getLogger(MergeVectorsJob.class);

  /**
   * @param common shared keys
   * @param lambda {@code merge.lambda}: a fixed λ ≥ 0, or {@code auto} (default) to pick from the grid
   * @param lambdaGrid {@code merge.lambda-grid}: candidates scored on the validation split
   *     ([0.25, 0.5, 0.75, 1.0])
   * @param bnStats {@code merge.bn-stats}: restore (default) | average | pretrained
   * @param selectMetric {@code merge.select-metric}: auc (default) | accuracy
   * @param batchSize {@code merge.batch-size}: inference batch for restoration and scoring (256)
   * @param screening {@code merge.screening.*}: outlier screening of the vectors, see {@link ScreeningPolicy}
   */
  public record Config(
      CommonConfig common, Double lambda, List<Double> lambdaGrid, BnStatsMode bnStats, String selectMetric,
      int batchSize, ScreeningPolicy screening) {

    public Config {
      lambdaGrid = List.copyOf(lambdaGrid);
      if (lambda == null && lambdaGrid.isEmpty()) {
        throw new ConfigException("Invalid config key 'merge.lambda-grid': must not be empty when merge.lambda is auto");
      }
      if (!selectMetric.equals("auc") && !selectMetric.equals("accuracy")) {
        throw new ConfigException("Invalid config key 'merge.select-metric': auc or accuracy (" + selectMetric + ")");
      }
    }

    public static Config from(ConfigMap map) {
      ConfigMap m = map.section("merge");
      return new Config(CommonConfig.from(map), parseLambda(m.string("lambda", "auto")),
          m.numbers("lambda-grid", List.of(0.25, 0.5, 0.75, 1.0), 0.0, 1e6),
          m.enumValue("bn-stats", BnStatsMode.class, BnStatsMode.RESTORE),
          m.string("select-metric", "auc"), m.integer("batch-size", 256, 1, 65_536), ScreeningPolicy.from(m));
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

  /** One λ candidate's validation score. */
  public record Candidate(double lambda, double valAuc, double valAccuracy) {}

  /** One vector the merge used. */
  public record UsedVector(String hospital, String dir, String sha256, long examples, String runId) {}

  /** What the job wrote (also the merged model's manifest). */
  public record Result(
      String runId, String baseFingerprint, String mergedFingerprint, String model, double lambda,
      String lambdaSelection, List<Candidate> candidates, String bnStats, long parameters, List<UsedVector> vectors,
      String createdAt, ScreeningReport screening) {}

  private final JobContext ctx;
  private final Config config;

  public MergeVectorsJob(SparkSession spark, Config config) {
    this.ctx = new JobContext(spark, config.common());
    this.config = config;
  }

  public Result run() {
    String fingerprint = ctx.baseFingerprint();
    MultiLayerNetwork base = PretrainModelJob.loadBase(ctx, fingerprint);
    VectorStore store = new VectorStore(ctx.hadoop(), ctx.paths().vectorsRoot());
    List<StoredVector> vectors = store.list(fingerprint);
    if (vectors.isEmpty()) {
      throw new IncompatibleVectorException(
          "Cannot merge: no complete data vectors for base " + fingerprint + " under " + store.baseDir(fingerprint));
    }
    ctx.describe("merge " + vectors.size() + " data vector(s) on base " + fingerprint.substring(0, 12));
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    ScreenedSum screened = ScreenedSum.of(store, vectors, layout, config.screening());
    float[] sum = screened.sum();
    MedMnist data = ctx.loadData();
    ImageSet pool = data.train().subset(
        PartitionDataJob.readAssignment(ctx.hadoop(), ctx.paths().partitionDir()).getOrDefault("public", new int[0]));
    BatchNormSource bn = BatchNormSource.of(config.bnStats(), store, vectors, pool, config.batchSize());
    List<Candidate> candidates = new ArrayList<>();
    MultiLayerNetwork best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    double lambda = Double.NaN;
    for (double candidateLambda : config.lambda() != null ? List.of(config.lambda()) : config.lambdaGrid()) {
      MultiLayerNetwork candidate = bn.apply(SyntheticWeights.compose(base, layout, sum, candidateLambda));
      Metrics val = score(candidate, data.val());
      candidates.add(new Candidate(candidateLambda, val.auc(), val.accuracy()));
      LOG.info("merge lambda {}: validation auc {} accuracy {}", candidateLambda, val.auc(), val.accuracy());
      double s = config.selectMetric().equals("auc") ? val.auc() : val.accuracy();
      if (best == null || s > bestScore) { // ties keep the smaller, earlier λ
        best = candidate;
        bestScore = s;
        lambda = candidateLambda;
      }
    }
    Result result = new Result(config.common().runId(), fingerprint, Fingerprint.of(best),
        new Path(ctx.paths().mergedDir(), MODEL_FILE).toString(), lambda,
        config.lambda() != null ? "fixed" : "grid on val " + config.selectMetric(), candidates,
        config.bnStats().name().toLowerCase(java.util.Locale.ROOT), best.numParams(), used(vectors),
        Instant.now().toString(), screened.report());
    publish(best, layout, result);
    ctx.writeResult(NAME, result);
    return result;
  }

  private Metrics score(MultiLayerNetwork net, ImageSet split) {
    ScoreSet scores = new ScoreSet(split.numClasses());
    scores.addAll(split.labels(), Predictor.predict(net, split, config.batchSize()));
    return ClassificationMetrics.compute(scores);
  }

  private void publish(MultiLayerNetwork merged, VectorLayout layout, Result result) {
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), ctx.paths().mergedDir())) {
      ModelIO.save(merged, ctx.hadoop(), new Path(out.tmp(), MODEL_FILE));
      FloatChunkFile.write(ctx.hadoop(), new Path(out.tmp(), "weights.parquet"), ParamVectors.flatten(merged, layout),
          FloatChunkFile.DEFAULT_CHUNK_SIZE);
      VectorLayout bnLayout = ParamVectors.layout(merged, ParamKind.BN_STATISTIC);
      FloatChunkFile.write(ctx.hadoop(), new Path(out.tmp(), "bn-stats.parquet"),
          ParamVectors.flatten(merged, bnLayout), FloatChunkFile.DEFAULT_CHUNK_SIZE);
      HadoopFiles.writeStringAtomically(ctx.hadoop(), new Path(out.tmp(), "manifest.json"), Json.write(result));
      out.commit();
    }
  }

  private static List<UsedVector> used(List<StoredVector> vectors) {
    return vectors.stream()
        .map(v -> new UsedVector(v.manifest().hospital(), v.dir().toString(), v.manifest().vectorSha256(),
            v.manifest().examples(), v.manifest().runId()))
        .toList();
  }

  public static void main(String[] args) {
    JobMain.run(args, NAME, Config::from, (spark, config) -> new MergeVectorsJob(spark, config).run());
  }
}
