package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.data.Split;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.Restoration;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import io.medvec.jobs.spark.CandidateEngine;
import io.medvec.jobs.spark.HadoopConf;
import io.medvec.jobs.spark.JobContext;
import io.medvec.jobs.spark.ModelScoring;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Candidates scored in Spark tasks over slices of the validation split (150 examples, batches of
 * 32, 3 slices cut on batch boundaries) get the driver loop's scores bit for bit and the same
 * choice: scope model and block, batch-norm statistics restored per candidate, and a strategy-and-μ
 * selection with the output layer refitted. The network is the pipeline's default CNN, whose oneDNN
 * convolutions round differently when a slice's batches are not the loop's.
 */
class SparkCandidateScoringTest {

  static final int BATCH = 32;
  static final int SLICES = 3;

  @TempDir static Path dir;
  static SparkSession spark;
  static JobContext ctx;
  static MedMnist data;
  static MultiLayerNetwork base;
  static VectorLayout layout;
  static ImageSet pool;
  static SparkCandidateScoring scorer;

  @BeforeAll
  static void setUp() {
    spark = SparkTests.spark();
    Path npz = SparkTests.subset("pneumoniamnist", dir, 96, 150, 8);
    CommonConfig common =
        CommonConfig.from(
            ConfigMap.empty()
                .withOverrides(
                    List.of("out=" + dir.resolve("out"), "data.path=" + npz, "run-id=lambda")));
    ctx = new JobContext(spark, common);
    data = ctx.loadData().data();
    base = NetworkFactory.build(ModelConfig.from(ConfigMap.empty()).spec(data, 1e-3));
    layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    pool = data.train();
    scorer = new SparkCandidateScoring(ctx, data.val().size(), ctx.dataSpec(null), SLICES, BATCH);
  }

  /** A seeded direction of the layout's size, scaled so that λ changes the scores. */
  static float[] direction(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] tau = new float[Math.toIntExact(layout.size())];
    for (int i = 0; i < tau.length; i++) {
      tau[i] = (float) (random.nextGaussian() * 0.02);
    }
    return tau;
  }

  static LambdaSearch.Grid grid(LambdaSearch.Scope scope, List<Double> lambdas) {
    return new LambdaSearch.Grid(
        Network.of(base), layout, data.val(), scope, lambdas, LambdaSearch.Metric.LOG_LOSS, BATCH);
  }

  static Restoration restore(Double pull) {
    Restoration bn = Restoration.of(BnStatsMode.RESTORE, null, List.of(), pool, BATCH);
    return pull == null ? bn : bn.thenRefitOutputLayer(pool, pull, BATCH);
  }

  static void assertSameChoice(LambdaSearch.Choice spark, LambdaSearch.Choice local) {
    assertThat(spark.candidates()).hasSameSizeAs(local.candidates());
    for (int i = 0; i < local.candidates().size(); i++) {
      LambdaSearch.Candidate s = spark.candidates().get(i);
      LambdaSearch.Candidate l = local.candidates().get(i);
      assertThat(bits(s)).as("candidate %d (%s)", i, l).isEqualTo(bits(l));
    }
    assertThat(spark.chosen()).isEqualTo(local.chosen());
    assertThat(spark.model().model().params().toFloatVector())
        .isEqualTo(local.model().model().params().toFloatVector());
    assertThat(Fingerprint.of(spark.model())).isEqualTo(Fingerprint.of(local.model()));
  }

  static List<Object> bits(LambdaSearch.Candidate c) {
    return List.of(
        c.lambda(),
        c.lambdaHead() == null ? "none" : c.lambdaHead(),
        Double.doubleToRawLongBits(c.valAuc()),
        Double.doubleToRawLongBits(c.valAccuracy()),
        Double.doubleToRawLongBits(c.valLogLoss()));
  }

  @Test
  void eightLambdasScoredOnSparkGetTheDriverLoopsScoresAndChoice() {
    LambdaSearch.Grid local =
        grid(LambdaSearch.Scope.MODEL, List.of(0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0));
    float[] tau = direction(1);
    LambdaSearch.Choice expected = local.search(tau, restore(null));
    LambdaSearch.Choice actual = local.withScorer(scorer).search(tau, restore(null));

    assertSameChoice(actual, expected);
    // the candidates differ, so the equality says something about the scores
    assertThat(expected.candidates().stream().map(LambdaSearch.Candidate::valLogLoss).distinct())
        .hasSize(8);
  }

  @Test
  void blockScopePairsScoredOnSparkGetTheDriverLoopsScoresAndChoice() {
    LambdaSearch.Grid local = grid(LambdaSearch.Scope.BLOCK, List.of(0.5, 1.0, 2.0));
    float[] tau = direction(2);
    LambdaSearch.Choice expected = local.search(tau, restore(null));
    LambdaSearch.Choice actual = local.withScorer(scorer).search(tau, restore(null));

    assertThat(expected.candidates()).hasSize(9);
    assertSameChoice(actual, expected);
    assertThat(actual.lambdaHead()).isNotNull();
  }

  @Test
  void strategyAndPullSelectionOnSparkMatchesTheDriverLoop() {
    LambdaSearch.Grid local = grid(LambdaSearch.Scope.MODEL, List.of(0.5, 1.0));
    Map<String, float[]> directions = Map.of("a", direction(3), "b", direction(4));
    List<Double> pulls = Arrays.asList(null, 1.0);
    MergeSelection.Chosen expected =
        MergeSelection.select(
            local, List.of("a", "b"), pulls, directions::get, SparkCandidateScoringTest::restore);
    MergeSelection.Chosen actual =
        MergeSelection.select(
            local.withScorer(scorer),
            List.of("a", "b"),
            pulls,
            directions::get,
            SparkCandidateScoringTest::restore);

    assertThat(actual.tried()).isEqualTo(expected.tried());
    assertThat(actual.strategy()).isEqualTo(expected.strategy());
    assertThat(actual.outputLayerPull()).isEqualTo(expected.outputLayerPull());
    assertSameChoice(actual.choice(), expected.choice());
  }

  @Test
  void oneSliceAndManySlicesGiveTheSameScores() {
    LambdaSearch.Grid local = grid(LambdaSearch.Scope.MODEL, List.of(0.5, 1.0));
    float[] tau = direction(5);
    List<LambdaSearch.Choice> choices = new ArrayList<>();
    for (int slices : new int[] {1, 7}) {
      choices.add(
          local
              .withScorer(
                  new SparkCandidateScoring(
                      ctx, data.val().size(), ctx.dataSpec(null), slices, BATCH))
              .search(tau, restore(null)));
    }
    assertSameChoice(choices.get(1), choices.get(0));
  }

  @Test
  void slicesStartOnBatchBoundariesAndCoverTheSplitInOrder() {
    for (int partitions : new int[] {1, 2, 3, 4, 5, 9}) {
      List<ModelScoring> slices =
          ModelScoring.slices(
              s -> data.split(s).size(),
              List.of(Split.VAL),
              partitions,
              ctx.dataSpec(null),
              new HadoopConf(ctx.hadoop()),
              BATCH);
      // 150 examples are 5 batches of 32: never more slices than batches
      assertThat(slices).hasSize(Math.min(partitions, 5));
      int next = 0;
      for (ModelScoring slice : slices) {
        assertThat(slice.indices()).isNotEmpty();
        assertThat(slice.indices()[0]).isEqualTo(next).matches(i -> i % BATCH == 0);
        for (int index : slice.indices()) {
          assertThat(index).isEqualTo(next++);
        }
      }
      assertThat(next).isEqualTo(data.val().size());
    }
  }

  @Test
  void theEngineKeyIsReadDefaultedAndABadValueIsRefusedNamingIt() {
    MergeVectorsJob.Config defaults = MergeVectorsJob.Config.from(ConfigMap.empty());
    assertThat(defaults.lambdaEngine()).isEqualTo(CandidateEngine.LOCAL);
    assertThat(defaults.lambdaPartitions()).isZero();
    assertThat(defaults.selectionCandidates()).isEqualTo(4);
    MergeVectorsJob.Config set =
        MergeVectorsJob.Config.from(
            ConfigMap.empty()
                .withOverrides(
                    List.of(
                        "merge.lambda-engine=spark",
                        "merge.lambda-partitions=5",
                        "merge.lambda-scope=block",
                        "merge.strategy=auto",
                        "merge.candidates=[task-arithmetic, ties]")));
    assertThat(set.lambdaEngine()).isEqualTo(CandidateEngine.SPARK);
    assertThat(set.lambdaPartitions()).isEqualTo(5);
    assertThat(set.selectionCandidates()).isEqualTo(4 * 4 * 2);

    assertThatThrownBy(
            () ->
                MergeVectorsJob.Config.from(
                    ConfigMap.empty().withOverrides(List.of("merge.lambda-engine=gpu"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.lambda-engine")
        .satisfies(e -> assertThat(ExitCode.of(e).code()).isEqualTo(2));
  }

  @Test
  void autoScoresOnSparkOnlyWithSeveralCoresAndSeveralCandidates() {
    // the shared session is local[2]
    assertThat(CandidateEngine.AUTO.resolve(spark, 4)).isEqualTo(CandidateEngine.SPARK);
    assertThat(CandidateEngine.AUTO.resolve(spark, 1)).isEqualTo(CandidateEngine.LOCAL);
    assertThat(CandidateEngine.LOCAL.resolve(spark, 4)).isEqualTo(CandidateEngine.LOCAL);
    assertThat(CandidateEngine.SPARK.resolve(spark, 1)).isEqualTo(CandidateEngine.SPARK);
  }
}
