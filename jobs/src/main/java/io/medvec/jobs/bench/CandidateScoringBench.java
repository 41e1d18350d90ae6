package io.medvec.jobs.bench;

import io.medvec.core.config.CliArgs;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.MedMnist;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.Restoration;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.MergeVectorsJob;
import io.medvec.jobs.ModelConfig;
import io.medvec.jobs.SparkCandidateScoring;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * {@code bench lambda-engines} (also part of {@code spark}): one λ search of {@value #GRID}
 * candidates on the whole validation split of {@code --data}, scored in the driver ({@code
 * merge.lambda-engine: local}) against the same search scored in Spark tasks over one validation
 * slice per core ({@code spark}), run alternately, the two searches' scores checked equal. The
 * network is the pipeline's default CNN (untrained: inference costs the same), the direction a
 * seeded Gaussian, and the statistics θ_pre's, so that the figures are the composing and scoring
 * that the engines move, not the restoration both run in the driver.
 */
final class CandidateScoringBench {

  static final int GRID = 8;

  private final BenchOptions options;

  CandidateScoringBench(BenchOptions options) {
    this.options = options;
  }

  List<BenchFigure> run() {
    String out = options.dir().resolve("lambda-engines").toString();
    SparkSession spark = JobMain.session("bench");
    try {
      MergeVectorsJob.Config config =
          JobMain.parseConfig(
              CliArgs.parse(
                  new String[] {
                    "--data", options.data().toString(), "--out", out, "--run-id", "bench"
                  }),
              "merge",
              MergeVectorsJob.Config::from);
      JobContext ctx = new JobContext(spark, config.common());
      MedMnist data = ctx.loadData().data();
      MultiLayerNetwork base =
          NetworkFactory.build(ModelConfig.from(ConfigMap.empty()).spec(data, 1e-3));
      VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
      float[] tau = new float[Math.toIntExact(layout.size())];
      SplittableRandom random = new SplittableRandom(7);
      for (int i = 0; i < tau.length; i++) {
        tau[i] = (float) (random.nextGaussian() * 0.01);
      }
      List<Double> lambdas = new ArrayList<>();
      for (int i = 1; i <= GRID; i++) {
        lambdas.add(0.25 * i);
      }
      int batch = config.batchSize();
      LambdaSearch.Grid local =
          new LambdaSearch.Grid(
              Network.of(base),
              layout,
              data.val(),
              LambdaSearch.Scope.MODEL,
              lambdas,
              LambdaSearch.Metric.LOG_LOSS,
              batch);
      int slices = Math.max(1, spark.sparkContext().defaultParallelism());
      LambdaSearch.Grid onSpark =
          local.withScorer(
              new SparkCandidateScoring(ctx, data.val().size(), ctx.dataSpec(null), slices, batch));
      Restoration kept = Restoration.of(BnStatsMode.PRETRAINED, null, List.of(), null, batch);
      List<Double> driver = new ArrayList<>();
      List<Double> tasks = new ArrayList<>();
      for (int i = 0; i < options.warmup() + options.runs(); i++) {
        LambdaSearch.Choice[] choices = new LambdaSearch.Choice[2];
        double d = seconds(() -> choices[0] = local.search(tau, kept));
        double s = seconds(() -> choices[1] = onSpark.search(tau, kept));
        if (!choices[0].candidates().equals(choices[1].candidates())) {
          throw new IllegalStateException(
              "Cannot bench candidate scoring: the engines' scores differ ("
                  + choices[0].candidates()
                  + " vs "
                  + choices[1].candidates()
                  + ")");
        }
        if (i >= options.warmup()) {
          driver.add(d);
          tasks.add(s);
        }
      }
      String name = "lambda.%s.grid=" + GRID + ".val=" + data.val().size();
      double localMedian = BenchFigure.median(driver);
      return List.of(
          BenchFigure.of(String.format(name, "local"), localMedian, "s"),
          BenchFigure.of(String.format(name, "spark") + ".slices=" + slices, median(tasks), "s")
              .against(localMedian));
    } finally {
      spark.stop();
    }
  }

  private static double median(List<Double> values) {
    return BenchFigure.median(values);
  }

  private static double seconds(Supplier<?> body) {
    long start = System.nanoTime();
    body.get();
    return (System.nanoTime() - start) / 1e9;
  }
}
