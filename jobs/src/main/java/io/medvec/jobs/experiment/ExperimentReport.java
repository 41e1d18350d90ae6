package io.medvec.jobs.experiment;

import io.medvec.core.io.AtomicDir;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.jobs.EvaluateModelsJob;
import io.medvec.jobs.spark.JobContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's report: {@code summary.md} (mean ± std over seeds of each model kind's test
 * metrics, the paper's claims checked with numbers) and PNG charts, written atomically to
 * {@code OUT/report/RUN/}.
 */
final class ExperimentReport {

  /** Model kinds in report order. */
  static final List<String> KINDS = List.of("pretrained", "single_site", "best_single_site", "mean", "merged",
      "merged_no_bn_restore", "random_vector", "pooled");

  /** MedMNIST v2, Table 3, ResNet-18 (28 px), test ACC / AUC. */
  static final Map<String, double[]> RESNET18 = Map.of(
      "pneumoniamnist", new double[] {0.854, 0.944}, "retinamnist", new double[] {0.524, 0.717});

  private ExperimentReport() {}

  /** Writes the report; returns its directory. */
  static String write(JobContext ctx, String runId, List<ExperimentJob.CellResult> cells) {
    Path target = ctx.paths().reportDir();
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), target)) {
      StringBuilder md = new StringBuilder("# Experiment " + runId + "\n\n");
      md.append("Test split; mean ± std over seeds. `single_site` is the mean over hospitals, `best_single_site`"
          + " the best hospital of each seed. λ was chosen on the validation split only.\n");
      for (Map.Entry<String, List<ExperimentJob.CellResult>> group : groups(cells).entrySet()) {
        md.append(section(group.getKey(), group.getValue()));
        png(ctx, new Path(out.tmp(), "bars-" + group.getKey() + ".png"), bars(group.getKey(), group.getValue()));
      }
      for (String dataset : cells.stream().map(c -> c.cell().dataset()).distinct().toList()) {
        List<ExperimentJob.CellResult> ofDataset = cells.stream().filter(c -> c.cell().dataset().equals(dataset)).toList();
        png(ctx, new Path(out.tmp(), "lambda-" + dataset + ".png"), lambdaCurve(dataset, ofDataset));
        png(ctx, new Path(out.tmp(), "hospitals-" + dataset + ".png"), hospitalsCurve(dataset, ofDataset));
        md.append(reference(dataset, ofDataset));
      }
      md.append(String.format(Locale.ROOT, "%nCells: %d; wall time of the cells: %.0f s.%n", cells.size(),
          cells.stream().mapToDouble(ExperimentJob.CellResult::seconds).sum()));
      HadoopFiles.writeStringAtomically(ctx.hadoop(), new Path(out.tmp(), "summary.md"), md.toString());
      out.commit();
    }
    return target.toString();
  }

  /** {@link #KINDS} first, then any other kind the cells scored (e.g. strategy_ties), sorted. */
  static List<String> kinds(List<ExperimentJob.CellResult> cells) {
    List<String> kinds = new ArrayList<>(KINDS);
    cells.stream().flatMap(c -> c.evaluate().rows().stream()).map(EvaluateModelsJob.MetricRow::modelKind).distinct()
        .sorted().filter(k -> !kinds.contains(k)).forEach(kinds::add);
    return kinds;
  }

  /** Cells grouped by dataset, K and split mode (the seeds of a group are its repetitions). */
  static Map<String, List<ExperimentJob.CellResult>> groups(List<ExperimentJob.CellResult> cells) {
    Map<String, List<ExperimentJob.CellResult>> groups = new LinkedHashMap<>();
    for (ExperimentJob.CellResult c : cells) {
      String split = c.cell().mode().name().equals("IID") ? "iid" : "dirichlet" + c.cell().alpha();
      groups.computeIfAbsent(c.cell().dataset() + "-k" + c.cell().hospitals() + "-" + split, k -> new ArrayList<>())
          .add(c);
    }
    return groups;
  }

  /** Per seed, the test value of a kind (single_site: mean over hospitals; best_single_site: max). */
  static double[] perSeed(List<ExperimentJob.CellResult> cells, String kind, String metric, String split) {
    return cells.stream().mapToDouble(c -> value(c, kind, metric, split)).toArray();
  }

  static double value(ExperimentJob.CellResult c, String kind, String metric, String split) {
    String rowKind = kind.equals("best_single_site") ? "single_site" : kind;
    Predicate<EvaluateModelsJob.MetricRow> match =
        r -> r.modelKind().equals(rowKind) && r.metric().equals(metric) && r.split().equals(split);
    var values = c.evaluate().rows().stream().filter(match).mapToDouble(EvaluateModelsJob.MetricRow::value);
    return kind.equals("best_single_site") ? values.max().orElse(Double.NaN) : values.average().orElse(Double.NaN);
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  static double std(double[] v) {
    if (v.length < 2) {
      return 0;
    }
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / (v.length - 1));
  }

  private static String cell(double[] v) {
    return Double.isNaN(mean(v)) ? "–" : String.format(Locale.ROOT, "%.4f ± %.4f", mean(v), std(v));
  }

  private static String section(String group, List<ExperimentJob.CellResult> cells) {
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## %s (%d seeds)%n%n", group, cells.size()));
    md.append("| model_kind | test AUC | test ACC | test macro-F1 | val AUC |\n|---|---|---|---|---|\n");
    for (String kind : kinds(cells)) {
      double[] auc = perSeed(cells, kind, "auc", "test");
      if (Double.isNaN(mean(auc))) {
        continue;
      }
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", kind, cell(auc),
          cell(perSeed(cells, kind, "accuracy", "test")), cell(perSeed(cells, kind, "macro_f1", "test")),
          cell(perSeed(cells, kind, "auc", "val"))));
    }
    boolean block = cells.stream().anyMatch(c -> c.merge().lambdaHead() != null);
    md.append(String.format(Locale.ROOT, "%nλ of `merged` per seed%s (%s): %s%n", block ? " (features / head)" : "",
        cells.get(0).merge().lambdaSelection(), cells.stream().map(c -> c.merge().lambdaHead() == null
            ? String.format(Locale.ROOT, "%.4g", c.merge().lambda())
            : String.format(Locale.ROOT, "%.4g / %.4g", c.merge().lambda(), c.merge().lambdaHead()))
            .collect(Collectors.joining(", "))));
    if (!"fixed".equals(cells.get(0).merge().strategySelection()) && cells.get(0).merge().strategySelection() != null) {
      md.append(String.format(Locale.ROOT, "%nStrategy of `merged` per seed (%s): %s%n",
          cells.get(0).merge().strategySelection(),
          cells.stream().map(c -> c.merge().strategy()).collect(Collectors.joining(", "))));
    }
    md.append(pullsLine(cells.stream().map(c -> c.merge().outputLayerPull()).toList()));
    md.append(String.format(Locale.ROOT, "%n![bars](bars-%s.png)%n%n", group)).append(claims(cells));
    return md.toString();
  }

  /**
   * The line giving each seed's output-layer μ ("kept" where the layer was kept), or nothing when no
   * seed re-fitted it.
   */
  static String pullsLine(List<Double> pulls) {
    if (pulls.stream().allMatch(java.util.Objects::isNull)) {
      return "";
    }
    return String.format(Locale.ROOT, "%nOutput-layer refit μ of `merged` per seed (chosen on val): %s%n",
        pulls.stream().map(p -> p == null ? "kept" : String.format(Locale.ROOT, "%.4g", p))
            .collect(Collectors.joining(", ")));
  }

  /**
   * The share of the gap from the mean single site to pooled that merged closes, with its numbers
   * (the PyTorch reference closed about 60–70 % on RetinaMNIST); "n/a" when pooled is not
   * above the mean single site.
   */
  static String gapClosed(double merged, double single, double pooled) {
    if (!(pooled > single)) {
      return String.format(Locale.ROOT, "gap closed: n/a (pooled %.4f is not above the mean single site %.4f)",
          pooled, single);
    }
    return String.format(Locale.ROOT, "gap closed (merged − mean single site) / (pooled − mean single site): "
        + "**%.0f %%** ((%.4f − %.4f) / (%.4f − %.4f))", 100 * (merged - single) / (pooled - single), merged, single,
        pooled, single);
  }

  /** The paper's claims, each stated with its numbers; "does not hold" when it does not. */
  static String claims(List<ExperimentJob.CellResult> cells) {
    double merged = mean(perSeed(cells, "merged", "auc", "test"));
    double mergedAcc = mean(perSeed(cells, "merged", "accuracy", "test"));
    double best = mean(perSeed(cells, "best_single_site", "auc", "test"));
    double bestAcc = mean(perSeed(cells, "best_single_site", "accuracy", "test"));
    double single = mean(perSeed(cells, "single_site", "auc", "test"));
    double pooled = mean(perSeed(cells, "pooled", "auc", "test"));
    double random = mean(perSeed(cells, "random_vector", "auc", "test"));
    List<String> lines = new ArrayList<>();
    lines.add(claim("merged AUC > mean single-site AUC", merged > single, merged, single));
    lines.add(claim("merged AUC > best single-site AUC", merged > best, merged, best));
    lines.add(claim("merged accuracy > best single-site accuracy", mergedAcc > bestAcc, mergedAcc, bestAcc));
    if (!Double.isNaN(pooled)) {
      lines.add(claim("merged AUC within 2 points of pooled", pooled - merged <= 0.02, merged, pooled));
      lines.add("- " + gapClosed(merged, single, pooled));
    }
    if (!Double.isNaN(random)) {
      lines.add(claim("random_vector AUC clearly below merged (by > 1 point)", merged - random > 0.01, random, merged));
    }
    return "Claims (means over seeds):\n\n" + String.join("\n", lines) + "\n";
  }

  private static String claim(String text, boolean holds, double a, double b) {
    return String.format(Locale.ROOT, "- %s: **%s** (%.4f vs %.4f)", text, holds ? "holds" : "does not hold", a, b);
  }

  private static String reference(String dataset, List<ExperimentJob.CellResult> cells) {
    double[] ref = RESNET18.get(dataset);
    if (ref == null) {
      return "";
    }
    double[] acc = cells.stream().mapToDouble(c -> value(c, "pooled", "accuracy", "test")).toArray();
    double[] auc = cells.stream().mapToDouble(c -> value(c, "pooled", "auc", "test")).toArray();
    return String.format(Locale.ROOT, "%n## %s: our pooled CNN vs MedMNIST v2 ResNet-18 (28 px)%n%n"
        + "| model | test ACC | test AUC |%n|---|---|---|%n| pooled (ours, all cells) | %s | %s |%n"
        + "| ResNet-18 (Yang et al. 2023, Table 3) | %.3f | %.3f |%n%n![lambda](lambda-%s.png) "
        + "![hospitals](hospitals-%s.png)%n", dataset, cell(acc), cell(auc), ref[0], ref[1], dataset, dataset);
  }

  private static JFreeChart bars(String group, List<ExperimentJob.CellResult> cells) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (String kind : kinds(cells)) {
      for (String metric : List.of("accuracy", "auc")) {
        double m = mean(perSeed(cells, kind, metric, "test"));
        if (!Double.isNaN(m)) {
          data.addValue(m, metric, kind);
        }
      }
    }
    return ChartFactory.createBarChart(group + " (test, mean over seeds)", "model", "value", data,
        PlotOrientation.VERTICAL, true, false, false);
  }

  /**
   * Each cell's validation score of every λ candidate, in the metric that chose λ; under
   * merge.lambda-scope=block the candidates with the head's λ equal to the features' (the curve
   * one λ would trace).
   */
  private static JFreeChart lambdaCurve(String dataset, List<ExperimentJob.CellResult> cells) {
    boolean loss = cells.stream().anyMatch(c -> c.merge().lambdaSelection().endsWith("log_loss"));
    XYSeriesCollection data = new XYSeriesCollection();
    for (ExperimentJob.CellResult c : cells) {
      XYSeries series = new XYSeries(c.cell().runId());
      for (LambdaSearch.Candidate candidate : c.merge().candidates()) {
        if (candidate.lambdaHead() != null && candidate.lambdaHead() != candidate.lambda()) {
          continue;
        }
        series.add(candidate.lambda(), loss ? candidate.valLogLoss() : candidate.valAuc());
      }
      data.addSeries(series);
    }
    String metric = loss ? "val log-loss" : "val AUC";
    return ChartFactory.createXYLineChart(dataset + ": " + metric + " vs λ", "λ", metric, data,
        PlotOrientation.VERTICAL, cells.size() <= 12, false, false);
  }

  private static JFreeChart hospitalsCurve(String dataset, List<ExperimentJob.CellResult> cells) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (String kind : List.of("merged", "single_site", "pooled", "mean")) {
      Map<Integer, List<Double>> byK = new TreeMap<>();
      for (ExperimentJob.CellResult c : cells) {
        byK.computeIfAbsent(c.cell().hospitals(), k -> new ArrayList<>()).add(value(c, kind, "accuracy", "test"));
      }
      XYSeries series = new XYSeries(kind);
      byK.forEach((k, v) -> series.add((double) k, v.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
      data.addSeries(series);
    }
    return ChartFactory.createXYLineChart(dataset + ": test accuracy vs number of hospitals", "hospitals (K)",
        "test accuracy", data, PlotOrientation.VERTICAL, true, false, false);
  }

  private static void png(JobContext ctx, Path file, JFreeChart chart) {
    System.setProperty("java.awt.headless", "true");
    try (OutputStream out = file.getFileSystem(ctx.hadoop()).create(file, false)) {
      ChartUtils.writeChartAsPNG(out, chart, 900, 500);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write chart " + file, e);
    }
  }
}
