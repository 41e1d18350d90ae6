package io.medvec.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.merge.Controls;
import io.medvec.jobs.ConfFilesTest;
import io.medvec.jobs.EvaluateModelsJob;
import io.medvec.jobs.MergeVectorsJob;
import io.medvec.jobs.SparkTests;
import io.medvec.jobs.ViewAnswers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reduced protocol of conf/experiment-ci.yaml, end to end, through the same jobs. */
class ExperimentIT {

  @TempDir static Path tmp;
  static ExperimentJob.Result result;

  @BeforeAll
  static void runProtocol() {
    ConfigMap map =
        ConfigMap.load(ConfFilesTest.conf().resolve("experiment-ci.yaml"))
            .withOverrides(
                List.of(
                    "out=" + tmp.resolve("out"), "experiment.data-dir=" + SparkTests.sharedData()));
    ExperimentJob.Config config = ExperimentJob.Config.from(map);
    map.rejectUnknown();
    result = new ExperimentJob(SparkTests.spark(), config).run();
  }

  @Test
  void everyBaselineAndControlIsScored() {
    ExperimentJob.CellResult cell = result.cells().get(0);
    assertThat(cell.evaluate().rows())
        .extracting(EvaluateModelsJob.MetricRow::modelKind)
        .containsOnly(
            "pretrained",
            "single_site",
            "pooled",
            "merged",
            "mean",
            "merged_no_bn_restore",
            "random_vector",
            "strategy_ties");
    assertThat(cell.merge().controls())
        .extracting(Controls.Control::kind)
        .containsExactly("mean", "merged_no_bn_restore", "random_vector", "strategy_ties");
    assertThat(cell.merge().controls().get(0).lambda()).isEqualTo(0.25);
    assertThat(cell.merge().outputBias()).isEqualTo("refit");
    assertThat(cell.merge().strategySelection()).isEqualTo("best on val log_loss");
    assertThat(cell.merge().outputLayer()).isEqualTo("keep");
    assertThat(cell.merge().outputLayerPull()).isNull();
    assertThat(cell.merge().strategyCandidates()).hasSize(6);
    assertThat(cell.merge().strategy()).isIn(MergeVectorsJob.Config.defaultCandidates());
    // the cell merged its own hospitals' vectors, published under its run (vectors.scope: run)
    assertThat(cell.merge().vectors())
        .hasSize(4)
        .allSatisfy(
            v -> assertThat(v.dir()).startsWith("runs/" + cell.cell().runId() + "/vectors/base="));
  }

  @Test
  void mergedBeatsTheMeanSingleSiteOnTest() {
    ExperimentJob.CellResult cell = result.cells().get(0);
    double merged = ExperimentReport.value(cell, "merged", "auc", "test");
    double single = ExperimentReport.value(cell, "single_site", "auc", "test");
    double random = ExperimentReport.value(cell, "random_vector", "auc", "test");
    assertThat(merged).isGreaterThan(single);
    assertThat(merged).isGreaterThan(random);
  }

  @Test
  void reportHasSummaryAndCharts() throws Exception {
    Path report = tmp.resolve("out/report/ci");
    assertThat(report.resolve("_SUCCESS")).exists();
    String summary = Files.readString(report.resolve("summary.md"));
    assertThat(summary)
        .contains(
            "| merged |",
            "| pooled |",
            "| random_vector |",
            "Claims",
            "ResNet-18",
            "Strategy of `merged` per seed (best on val log_loss)",
            "gap closed (merged − mean single site)",
            "merged AUC > mean AUC (the one-shot average, λ = 1/K)",
            "No chart against K for pneumoniamnist iid")
        .doesNotContain("Output-layer refit μ");
    // the protocol has one K: no chart against K
    assertThat(report.resolve("hospitals-pneumoniamnist-iid.png")).doesNotExist();
    for (String png : List.of("bars-pneumoniamnist-k4-iid.png", "lambda-pneumoniamnist.png")) {
      byte[] bytes = Files.readAllBytes(report.resolve(png));
      assertThat(bytes).hasSizeGreaterThan(1000);
      assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("PNG");
    }
  }

  /** Also records Spark's answers in target/view-answers/ for .ci/run's DuckDB comparison. */
  @Test
  void viewsHoldEveryCellsRunScopedOutputs() {
    List<Long> counts =
        ViewAnswers.record(
            "experiment",
            tmp.resolve("out").toString(),
            SparkTests.spark().sparkContext().hadoopConfiguration());
    long metrics = result.cells().stream().mapToLong(c -> c.evaluate().rows().size()).sum();
    long vectors = result.cells().stream().mapToLong(c -> c.merge().vectors().size()).sum();
    assertThat(counts).containsExactly(metrics, vectors, (long) result.cells().size());
    // an output root nothing has written to yet: three empty views, no error
    assertThat(
            ViewAnswers.record(
                "empty",
                tmp.resolve("nothing-yet").toString(),
                SparkTests.spark().sparkContext().hadoopConfiguration()))
        .containsExactly(0L, 0L, 0L);
  }

  @Test
  void protocolSettingsAreColumnsOfTheMetricsTable() {
    var table = SparkTests.spark().read().parquet(tmp.resolve("out/metrics").toString());
    assertThat(table.columns())
        .contains("hospitals", "partition_mode", "public_fraction", "partition_seed");
    assertThat(
            table.where("hospitals = 4 and partition_mode = 'iid' and partition_seed = 1").count())
        .isEqualTo(table.count());
  }
}
