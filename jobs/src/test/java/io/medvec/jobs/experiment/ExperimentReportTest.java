package io.medvec.jobs.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.data.PartitionMode;
import io.medvec.core.merge.Controls;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.jobs.EvaluateModelsJob;
import io.medvec.jobs.MergeVectorsJob;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ExperimentReportTest {

  /**
   * Test AUC of each kind per seed (accuracy is AUC − 0.1); strategy_median and
   * strategy_trimmed_mean agree.
   */
  private static final Map<String, double[]> AUC = new LinkedHashMap<>();

  static {
    AUC.put("pretrained", new double[] {0.80, 0.81, 0.79});
    AUC.put("single_site", new double[] {0.85, 0.86, 0.84});
    AUC.put("mean", new double[] {0.92, 0.93, 0.88});
    AUC.put("merged", new double[] {0.90, 0.91, 0.89});
    AUC.put("merged_no_bn_restore", new double[] {0.70, 0.72, 0.74});
    AUC.put("random_vector", new double[] {0.60, 0.61, 0.62});
    AUC.put("pooled", new double[] {0.95, 0.95, 0.96});
    AUC.put("strategy_median", new double[] {0.88, 0.87, 0.86});
    AUC.put("strategy_ties", new double[] {0.89, 0.90, 0.91});
    AUC.put("strategy_trimmed_mean", new double[] {0.88, 0.87, 0.86});
  }

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @Test
  void barsCarryFullModelNamesAndOneStdErrorBars() {
    List<ExperimentJob.CellResult> cells = cells(4, AUC);
    JFreeChart chart = ExperimentReport.bars("pneumoniamnist-k4-iid", cells);

    CombinedDomainCategoryPlot plot = (CombinedDomainCategoryPlot) chart.getPlot();
    assertThat(plot.getOrientation()).isEqualTo(PlotOrientation.HORIZONTAL);
    assertThat(chart.getBackgroundPaint()).isEqualTo(Color.WHITE);
    List<CategoryPlot> panels = plot.getSubplots();
    assertThat(panels).hasSize(2);
    assertThat(panels.get(0).getRangeAxis().getLabel()).isEqualTo("test AUC");
    assertThat(panels.get(1).getRangeAxis().getLabel()).isEqualTo("test accuracy");
    DefaultStatisticalCategoryDataset auc =
        (DefaultStatisticalCategoryDataset) panels.get(0).getDataset();
    assertThat(auc.getColumnKeys())
        .contains("merged", "merged_no_bn_restore", "best_single_site", "strategy_ties");
    int column = auc.getColumnIndex("merged_no_bn_restore");
    assertThat(auc.getMeanValue(0, column).doubleValue()).isCloseTo(0.72, within(1e-12));
    assertThat(auc.getStdDevValue(0, column).doubleValue()).isCloseTo(0.02, within(1e-12));
    DefaultStatisticalCategoryDataset accuracy =
        (DefaultStatisticalCategoryDataset) panels.get(1).getDataset();
    assertThat(accuracy.getMeanValue(0, accuracy.getColumnIndex("merged")).doubleValue())
        .isCloseTo(0.80, within(1e-12));
    assertThat(accuracy.getStdDevValue(0, accuracy.getColumnIndex("merged")).doubleValue())
        .isCloseTo(0.01, within(1e-12));
    for (CategoryPlot panel : panels) {
      assertThat(panel.getBackgroundPaint()).isEqualTo(Color.WHITE);
      assertThat(panel.getRenderer().getItemPaint(0, column))
          .isEqualTo(ReportCharts.colour("merged_no_bn_restore"));
    }
    assertThat(render(chart).getRGB(5, 5)).isEqualTo(Color.WHITE.getRGB());
  }

  @Test
  void oneSeedDrawsNoErrorBars() {
    JFreeChart chart = ExperimentReport.bars("g", cells(4, AUC).subList(0, 1));

    CategoryPlot auc =
        (CategoryPlot) ((CombinedDomainCategoryPlot) chart.getPlot()).getSubplots().get(0);
    DefaultStatisticalCategoryDataset data = (DefaultStatisticalCategoryDataset) auc.getDataset();
    assertThat(data.getMeanValue(0, data.getColumnIndex("merged")).doubleValue()).isEqualTo(0.90);
    assertThat(data.getStdDevValue(0, data.getColumnIndex("merged"))).isNull();
    assertThat(chart.getSubtitle(0))
        .extracting(t -> ((org.jfree.chart.title.TextTitle) t).getText())
        .asString()
        .startsWith("1 seed: no error bars");
  }

  @Test
  void everyKindHasItsOwnColourInEveryChart() {
    List<String> kinds = new ArrayList<>(ExperimentReport.KINDS);
    io.medvec.core.merge.strategy.MergeStrategies.names()
        .forEach(n -> kinds.add("strategy_" + n.replace('-', '_')));
    assertThat(kinds.stream().map(ReportCharts::colour).distinct()).hasSameSizeAs(kinds);

    List<ExperimentJob.CellResult> cells = new ArrayList<>(cells(2, AUC));
    cells.addAll(cells(4, AUC));
    XYPlot panel =
        (XYPlot)
            ((CombinedDomainXYPlot)
                    ExperimentReport.hospitalsCurve("pneumoniamnist iid", cells)
                        .orElseThrow()
                        .getPlot())
                .getSubplots()
                .get(0);
    int merged = ((YIntervalSeriesCollection) panel.getDataset()).indexOf("merged");
    assertThat(panel.getRenderer().getSeriesPaint(merged)).isEqualTo(ReportCharts.colour("merged"));
    CategoryPlot bars =
        (CategoryPlot)
            ((CombinedDomainCategoryPlot) ExperimentReport.bars("g", cells).getPlot())
                .getSubplots()
                .get(0);
    assertThat(bars.getRenderer().getItemPaint(0, bars.getDataset().getColumnIndex("merged")))
        .isEqualTo(ReportCharts.colour("merged"));
  }

  @Test
  void theChartAgainstKNeedsTwoValuesOfK() {
    assertThat(ExperimentReport.hospitalsCurve("pneumoniamnist iid", cells(4, AUC))).isEmpty();

    List<ExperimentJob.CellResult> cells = new ArrayList<>(cells(2, AUC));
    cells.addAll(cells(8, AUC));
    Optional<JFreeChart> chart = ExperimentReport.hospitalsCurve("pneumoniamnist iid", cells);
    assertThat(chart).isPresent();
    CombinedDomainXYPlot plot = (CombinedDomainXYPlot) chart.get().getPlot();
    assertThat(((NumberAxis) plot.getDomainAxis()).getStandardTickUnits())
        .isEqualTo(NumberAxis.createIntegerTickUnits());
    XYPlot auc = (XYPlot) plot.getSubplots().get(0);
    assertThat(auc.getBackgroundPaint()).isEqualTo(Color.WHITE);
    YIntervalSeriesCollection data = (YIntervalSeriesCollection) auc.getDataset();
    assertThat(data.getSeriesCount()).isEqualTo(4);
    int merged = data.indexOf("merged");
    assertThat(data.getItemCount(merged)).isEqualTo(2);
    assertThat(data.getXValue(merged, 0)).isEqualTo(2.0);
    assertThat(data.getXValue(merged, 1)).isEqualTo(8.0);
    assertThat(data.getYValue(merged, 1)).isCloseTo(0.90, within(1e-12));
    assertThat(data.getEndYValue(merged, 1) - data.getYValue(merged, 1))
        .isCloseTo(0.01, within(1e-12));
    render(chart.get());
  }

  @Test
  void strategiesOfOneComputationAreShownOnceWithANote() {
    List<ExperimentJob.CellResult> cells = cells(4, AUC);
    List<EquivalentStrategies.Alias> aliases = ExperimentReport.aliases(cells);

    assertThat(aliases)
        .extracting(EquivalentStrategies.Alias::kept, EquivalentStrategies.Alias::dropped)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("strategy_median", "strategy_trimmed_mean"));
    assertThat(ExperimentReport.shown(cells))
        .doesNotContainKey("strategy_trimmed_mean")
        .containsEntry("strategy_median", "strategy_median (= strategy_trimmed_mean)")
        .containsEntry("strategy_ties", "strategy_ties");
    assertThat(EquivalentStrategies.note(aliases.get(0), cells.size()))
        .isEqualTo(
            "`strategy_trimmed_mean` is"
                + " reported as `strategy_median`: median = trimmed-mean at K = 4 (trim 0.25; trimming ⌊0.25·4⌋ = 1 from"
                + " each end, and the mean of the middle 2 values is the median); identical results in all 3 cells (every"
                + " metric, split and λ candidate).");
    CategoryPlot bars =
        (CategoryPlot)
            ((CombinedDomainCategoryPlot) ExperimentReport.bars("g", cells).getPlot())
                .getSubplots()
                .get(0);
    assertThat(bars.getDataset().getColumnKeys())
        .contains("strategy_median (= strategy_trimmed_mean)")
        .doesNotContain("strategy_trimmed_mean", "strategy_median");
  }

  @Test
  void strategiesThatDifferInOneCellAreBothShown() {
    List<ExperimentJob.CellResult> cells = new ArrayList<>(cells(4, AUC));
    Map<String, double[]> other = new LinkedHashMap<>(AUC);
    other.put("strategy_trimmed_mean", new double[] {0.88, 0.87, 0.8601});
    cells.set(2, cells(4, other).get(2));

    assertThat(ExperimentReport.aliases(cells)).isEmpty();
    assertThat(ExperimentReport.shown(cells))
        .containsEntry("strategy_median", "strategy_median")
        .containsEntry("strategy_trimmed_mean", "strategy_trimmed_mean");
  }

  @Test
  void theTrimmedMeanIsTheMedianOnlyWhereItsDefinitionSaysSo() {
    assertThat(EquivalentStrategies.reason("median", "trimmed-mean", 2))
        .startsWith(
            "median = trimmed-mean at K = 2 (trim 0.25; trimming removes nothing: ⌊0.25·2⌋ = 0");
    assertThat(EquivalentStrategies.reason("median", "trimmed-mean", 4))
        .contains("⌊0.25·4⌋ = 1 from each end");
    assertThat(EquivalentStrategies.reason("median", "trimmed-mean", 8))
        .isEqualTo(
            "trimmed-mean = median at K = 8 (the same results, though their definitions differ)");
    assertThat(EquivalentStrategies.reason("task-arithmetic", "trimmed-mean", 3))
        .contains("trimming removes nothing: ⌊0.25·3⌋ = 0, the plain sum");
    assertThat(EquivalentStrategies.strategy("strategy_trimmed_mean")).isEqualTo("trimmed-mean");
  }

  @Test
  void theChosenStrategyNamesTheCandidatesItTiedWith() {
    ExperimentJob.CellResult cell = cells(4, AUC).get(0);
    LambdaSearch.Candidate best = new LambdaSearch.Candidate(0.25, 0.95, 0.9, 0.2);
    MergeVectorsJob.Result tied =
        withCandidates(
            cell.merge(),
            List.of(
                new MergeSelection.Candidate(
                    "task-arithmetic", null, new LambdaSearch.Candidate(0.5, 0.95, 0.9, 0.21)),
                new MergeSelection.Candidate("median", null, best),
                new MergeSelection.Candidate(
                    "trimmed-mean", null, new LambdaSearch.Candidate(0.25, 0.95, 0.9, 0.2))));
    MergeVectorsJob.Result alone =
        withCandidates(cell.merge(), tied.strategyCandidates().subList(0, 2));

    assertThat(
            EquivalentStrategies.chosen(
                new ExperimentJob.CellResult(cell.cell(), cell.evaluate(), tied, 1)))
        .isEqualTo("median (= trimmed-mean)");
    assertThat(
            EquivalentStrategies.chosen(
                new ExperimentJob.CellResult(cell.cell(), cell.evaluate(), alone, 1)))
        .isEqualTo("median");
  }

  @Test
  void meanBeatingMergedIsFlaggedWithItsNumbers() {
    String claims = ExperimentReport.claims(cells(4, AUC));

    assertThat(claims)
        .contains(
            "- merged AUC > mean AUC (the one-shot average, λ = 1/K): **does not hold** (0.9000"
                + " vs 0.9100) — **⚠ `mean` beats `merged`** by 0.0100 AUC, in 2 of 3 seeds");
    assertThat(ExperimentReport.claimList(cells(4, AUC)))
        .filteredOn(c -> c.text().contains("mean AUC"))
        .extracting(ExperimentReport.Claim::holds)
        .containsExactly(false);
    assertThat(ExperimentReport.flags(List.of("`g`: merged AUC > mean AUC")))
        .contains("## Claims that do not hold", "- `g`: merged AUC > mean AUC");
  }

  @Test
  void mergedBeatingMeanHoldsWithoutAFlag() {
    Map<String, double[]> auc = new LinkedHashMap<>(AUC);
    auc.put("mean", new double[] {0.89, 0.90, 0.88});

    assertThat(ExperimentReport.claims(cells(4, auc)))
        .contains(
            "- merged AUC > mean AUC (the one-shot average, λ = 1/K): **holds** (0.9000 vs 0.8900)")
        .doesNotContain("⚠");
    assertThat(ExperimentReport.flags(List.of()))
        .isEqualTo("\nEvery claim holds in every group.\n");
  }

  @Test
  void gapClosedIsTheShareOfTheSingleSiteToPooledGap() {
    assertThat(ExperimentReport.gapClosed(0.6900, 0.6494, 0.7214))
        .contains("**56 %**", "(0.6900 − 0.6494) / (0.7214 − 0.6494)");
    assertThat(ExperimentReport.gapClosed(0.9431, 0.9398, 0.9431)).contains("**100 %**");
    assertThat(ExperimentReport.gapClosed(0.60, 0.65, 0.70)).contains("**-100 %**");
  }

  @Test
  void outputLayerPullsArePrintedPerSeedOnlyWhenRefitted() {
    assertThat(ExperimentReport.pullsLine(java.util.Arrays.asList(1.0, 0.1, null)))
        .isEqualTo(
            "\nOutput-layer refit μ of `merged` per seed (chosen on val): 1.000, 0.1000, kept\n");
    assertThat(ExperimentReport.pullsLine(java.util.Arrays.asList(null, null))).isEmpty();
  }

  @Test
  void noGapIsNotAPercentage() {
    assertThat(ExperimentReport.gapClosed(0.95, 0.94, 0.94))
        .startsWith("gap closed: n/a")
        .doesNotContain("%");
    assertThat(ExperimentReport.gapClosed(0.95, 0.94, Double.NaN)).startsWith("gap closed: n/a");
  }

  private static BufferedImage render(JFreeChart chart) {
    return chart.createBufferedImage(900, 500);
  }

  /** One IID cell per seed with K hospitals; seed i scores {@code auc.get(kind)[i]}. */
  private static List<ExperimentJob.CellResult> cells(int k, Map<String, double[]> auc) {
    List<ExperimentJob.CellResult> cells = new ArrayList<>();
    for (int seed = 0; seed < 3; seed++) {
      List<EvaluateModelsJob.MetricRow> rows = new ArrayList<>();
      List<Controls.Control> controls = new ArrayList<>();
      for (Map.Entry<String, double[]> kind : auc.entrySet()) {
        double v = kind.getValue()[seed];
        rows.add(row(kind.getKey(), "test", "auc", v));
        rows.add(row(kind.getKey(), "test", "accuracy", v - 0.1));
        rows.add(row(kind.getKey(), "test", "macro_f1", v - 0.2));
        rows.add(row(kind.getKey(), "val", "auc", v + 0.01));
        if (kind.getKey().startsWith("strategy_")) {
          controls.add(
              new Controls.Control(
                  kind.getKey(),
                  0.25,
                  null,
                  "model.zip",
                  List.of(new LambdaSearch.Candidate(0.25, v, v - 0.1, 0.3))));
        }
      }
      String runId = "ci-pneumoniamnist-k" + k + "-iid-s" + seed;
      MergeVectorsJob.Result merge =
          new MergeVectorsJob.Result(
              runId,
              "base",
              "merged",
              "model.zip",
              "median",
              Map.of(),
              "fixed",
              List.of(),
              0.25,
              null,
              "best on val log_loss",
              List.of(new LambdaSearch.Candidate(0.25, 0.9, 0.8, 0.3)),
              "restore",
              "refit",
              "keep",
              null,
              0L,
              List.of(),
              controls,
              "2026-12-02T00:00:00Z",
              null,
              null);
      cells.add(
          new ExperimentJob.CellResult(
              new ExperimentJob.Cell("pneumoniamnist", k, PartitionMode.IID, 0.5, seed, runId),
              new EvaluateModelsJob.Result(runId, "metrics", rows),
              merge,
              1.0));
    }
    return cells;
  }

  private static MergeVectorsJob.Result withCandidates(
      MergeVectorsJob.Result m, List<MergeSelection.Candidate> candidates) {
    return new MergeVectorsJob.Result(
        m.runId(),
        m.baseFingerprint(),
        m.mergedFingerprint(),
        m.model(),
        m.strategy(),
        m.params(),
        "best on val log_loss",
        candidates,
        m.lambda(),
        m.lambdaHead(),
        m.lambdaSelection(),
        m.candidates(),
        m.bnStats(),
        m.outputBias(),
        m.outputLayer(),
        m.outputLayerPull(),
        m.parameters(),
        m.vectors(),
        m.controls(),
        m.createdAt(),
        m.screening(),
        null);
  }

  private static EvaluateModelsJob.MetricRow row(
      String kind, String split, String metric, double value) {
    return new EvaluateModelsJob.MetricRow(
        "pneumoniamnist", kind, kind + "-id", split, metric, null, value, 100);
  }
}
