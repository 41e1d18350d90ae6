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
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's report: {@code summary.md} (mean ± std over seeds of each model kind's test
 * metrics, the paper's claims checked with numbers) and PNG charts, written atomically to {@code
 * OUT/report/RUN/}.
 */
final class ExperimentReport {

  /** Model kinds in report order. */
  static final List<String> KINDS =
      List.of(
          "pretrained",
          "single_site",
          "best_single_site",
          "mean",
          "merged",
          "merged_no_bn_restore",
          "random_vector",
          "pooled");

  /** MedMNIST v2, Table 3, ResNet-18 (28 px), test ACC / AUC. */
  static final Map<String, double[]> RESNET18 =
      Map.of(
          "pneumoniamnist",
          new double[] {0.854, 0.944},
          "retinamnist",
          new double[] {0.524, 0.717});

  private ExperimentReport() {}

  /** Writes the report; returns its directory. */
  static String write(JobContext ctx, String runId, List<ExperimentJob.CellResult> cells) {
    Path target = ctx.paths().reportDir();
    try (AtomicDir out = AtomicDir.begin(ctx.hadoop(), target)) {
      StringBuilder body = new StringBuilder();
      List<String> flags = new ArrayList<>();
      for (Map.Entry<String, List<ExperimentJob.CellResult>> group : groups(cells).entrySet()) {
        List<Claim> claims = claimList(group.getValue());
        claims.stream()
            .filter(c -> !c.holds())
            .forEach(c -> flags.add("`" + group.getKey() + "`: " + c.text()));
        body.append(section(group.getKey(), group.getValue(), claims));
        png(
            ctx,
            new Path(out.tmp(), "bars-" + group.getKey() + ".png"),
            bars(group.getKey(), group.getValue()),
            1100,
            150 + 34 * shown(group.getValue()).size());
      }
      for (String dataset :
          cells.stream()
              .map(c -> ExperimentJob.datasetName(c.cell().dataset()))
              .distinct()
              .toList()) {
        List<ExperimentJob.CellResult> ofDataset =
            cells.stream()
                .filter(c -> ExperimentJob.datasetName(c.cell().dataset()).equals(dataset))
                .toList();
        body.append(reference(dataset, ofDataset))
            .append(datasetCharts(ctx, out.tmp(), dataset, ofDataset));
      }
      String md =
          "# Experiment "
              + runId
              + "\n\n"
              + "Test split; mean ± std over seeds. `single_site` is the mean over hospitals, `best_single_site`"
              + " the best hospital of each seed, `mean` the one-shot parameter average (λ = 1/K). λ was chosen on"
              + " the validation split only.\n"
              + flags(flags)
              + body
              + String.format(
                  Locale.ROOT,
                  "%nCells: %d; wall time of the cells: %.0f s.%n",
                  cells.size(),
                  cells.stream().mapToDouble(ExperimentJob.CellResult::seconds).sum());
      HadoopFiles.writeStringAtomically(ctx.hadoop(), new Path(out.tmp(), "summary.md"), md);
      out.commit();
    }
    return target.toString();
  }

  /**
   * Writes a dataset's λ chart and, per split with two or more K, its chart against K; returns the
   * Markdown showing them.
   */
  private static String datasetCharts(
      JobContext ctx, Path dir, String dataset, List<ExperimentJob.CellResult> cells) {
    png(ctx, new Path(dir, "lambda-" + dataset + ".png"), lambdaCurve(dataset, cells), 900, 500);
    StringBuilder md =
        new StringBuilder(
            String.format(
                Locale.ROOT, "%n## %s: charts%n%n![lambda](lambda-%s.png)%n", dataset, dataset));
    for (String split : cells.stream().map(ExperimentReport::split).distinct().toList()) {
      String name = "hospitals-" + dataset + "-" + split;
      Optional<JFreeChart> chart =
          hospitalsCurve(
              dataset + " " + split, cells.stream().filter(c -> split(c).equals(split)).toList());
      chart.ifPresent(c -> png(ctx, new Path(dir, name + ".png"), c, 900, 750));
      md.append(
          chart.isPresent()
              ? String.format(Locale.ROOT, "![hospitals](%s.png)%n", name)
              : String.format(
                  Locale.ROOT,
                  "%nNo chart against K for %s %s: its cells have one K.%n",
                  dataset,
                  split));
    }
    return md.toString();
  }

  /** The claims that do not hold, listed before the groups so that none goes unnoticed. */
  static String flags(List<String> failed) {
    return failed.isEmpty()
        ? "\nEvery claim holds in every group.\n"
        : "\n## Claims that do not hold\n\n"
            + failed.stream().map(f -> "- " + f + "\n").collect(Collectors.joining());
  }

  /** {@link #KINDS} first, then any other kind the cells scored (e.g. strategy_ties), sorted. */
  static List<String> kinds(List<ExperimentJob.CellResult> cells) {
    List<String> kinds = new ArrayList<>(KINDS);
    cells.stream()
        .flatMap(c -> c.evaluate().rows().stream())
        .map(EvaluateModelsJob.MetricRow::modelKind)
        .distinct()
        .sorted()
        .filter(k -> !kinds.contains(k))
        .forEach(kinds::add);
    return kinds;
  }

  /** Cells grouped by dataset, K and split mode (the seeds of a group are its repetitions). */
  static Map<String, List<ExperimentJob.CellResult>> groups(List<ExperimentJob.CellResult> cells) {
    Map<String, List<ExperimentJob.CellResult>> groups = new LinkedHashMap<>();
    for (ExperimentJob.CellResult c : cells) {
      groups
          .computeIfAbsent(
              ExperimentJob.datasetName(c.cell().dataset())
                  + "-k"
                  + c.cell().hospitals()
                  + "-"
                  + split(c),
              k -> new ArrayList<>())
          .add(c);
    }
    return groups;
  }

  private static String split(ExperimentJob.CellResult c) {
    return switch (c.cell().mode()) {
      case IID -> "iid";
      case BY_COLUMN -> "sites";
      default -> "dirichlet" + c.cell().alpha();
    };
  }

  /**
   * Per seed, the test value of a kind (single_site: mean over hospitals; best_single_site: max).
   */
  static double[] perSeed(
      List<ExperimentJob.CellResult> cells, String kind, String metric, String split) {
    return cells.stream().mapToDouble(c -> value(c, kind, metric, split)).toArray();
  }

  static double value(ExperimentJob.CellResult c, String kind, String metric, String split) {
    String rowKind = kind.equals("best_single_site") ? "single_site" : kind;
    Predicate<EvaluateModelsJob.MetricRow> match =
        r -> r.modelKind().equals(rowKind) && r.metric().equals(metric) && r.split().equals(split);
    var values =
        c.evaluate().rows().stream().filter(match).mapToDouble(EvaluateModelsJob.MetricRow::value);
    return kind.equals("best_single_site")
        ? values.max().orElse(Double.NaN)
        : values.average().orElse(Double.NaN);
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

  private static String section(
      String group, List<ExperimentJob.CellResult> cells, List<Claim> claims) {
    StringBuilder md =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%n## %s (%d seed%s)%n%n",
                group,
                cells.size(),
                cells.size() == 1 ? "" : "s"));
    md.append(
        "| model_kind | test AUC | test ACC | test macro-F1 | val AUC |\n|---|---|---|---|---|\n");
    shown(cells)
        .forEach(
            (kind, label) ->
                md.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s |%n",
                        label,
                        cell(perSeed(cells, kind, "auc", "test")),
                        cell(perSeed(cells, kind, "accuracy", "test")),
                        cell(perSeed(cells, kind, "macro_f1", "test")),
                        cell(perSeed(cells, kind, "auc", "val")))));
    for (EquivalentStrategies.Alias alias : aliases(cells)) {
      md.append("\n").append(EquivalentStrategies.note(alias, cells.size())).append("\n");
    }
    boolean block = cells.stream().anyMatch(c -> c.merge().lambdaHead() != null);
    md.append(
        String.format(
            Locale.ROOT,
            "%nλ of `merged` per seed%s (%s): %s%n",
            block ? " (features / head)" : "",
            cells.get(0).merge().lambdaSelection(),
            cells.stream()
                .map(
                    c ->
                        c.merge().lambdaHead() == null
                            ? String.format(Locale.ROOT, "%.4g", c.merge().lambda())
                            : String.format(
                                Locale.ROOT,
                                "%.4g / %.4g",
                                c.merge().lambda(),
                                c.merge().lambdaHead()))
                .collect(Collectors.joining(", "))));
    if (!"fixed".equals(cells.get(0).merge().strategySelection())
        && cells.get(0).merge().strategySelection() != null) {
      List<String> chosen = cells.stream().map(EquivalentStrategies::chosen).toList();
      md.append(
          String.format(
              Locale.ROOT,
              "%nStrategy of `merged` per seed (%s): %s%s%n",
              cells.get(0).merge().strategySelection(),
              String.join(", ", chosen),
              chosen.stream().anyMatch(s -> s.contains(" (= "))
                  ? " (in parentheses: candidates with the same validation"
                      + " scores, the same computation at this K; the tie goes to the earlier candidate)"
                  : ""));
    }
    md.append(pullsLine(cells.stream().map(c -> c.merge().outputLayerPull()).toList()));
    md.append(String.format(Locale.ROOT, "%n![bars](bars-%s.png)%n%n", group))
        .append(claimLines(claims));
    return md.toString();
  }

  /**
   * The kinds a group shows — those with a test AUC, strategies that were one computation once —
   * each with its label (the kind, and the kinds it stands for).
   */
  static Map<String, String> shown(List<ExperimentJob.CellResult> cells) {
    List<EquivalentStrategies.Alias> aliases = aliases(cells);
    Map<String, String> shown = new LinkedHashMap<>();
    for (String kind : kinds(cells)) {
      if (Double.isNaN(mean(perSeed(cells, kind, "auc", "test")))
          || aliases.stream().anyMatch(a -> a.dropped().equals(kind))) {
        continue;
      }
      String same =
          aliases.stream()
              .filter(a -> a.kept().equals(kind))
              .map(EquivalentStrategies.Alias::dropped)
              .collect(Collectors.joining(", "));
      shown.put(kind, same.isEmpty() ? kind : kind + " (= " + same + ")");
    }
    return shown;
  }

  /** The group's strategy controls that were the same computation (its cells share one K). */
  static List<EquivalentStrategies.Alias> aliases(List<ExperimentJob.CellResult> cells) {
    return EquivalentStrategies.find(cells, kinds(cells), cells.get(0).cell().hospitals());
  }

  /**
   * The line giving each seed's output-layer μ ("kept" where the layer was kept), or nothing when
   * no seed re-fitted it.
   */
  static String pullsLine(List<Double> pulls) {
    if (pulls.stream().allMatch(Objects::isNull)) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "%nOutput-layer refit μ of `merged` per seed (chosen on val): %s%n",
        pulls.stream()
            .map(p -> p == null ? "kept" : String.format(Locale.ROOT, "%.4g", p))
            .collect(Collectors.joining(", ")));
  }

  /**
   * The share of the gap from the mean single site to pooled that merged closes, with its numbers
   * (the PyTorch reference closed about 60–70 % on RetinaMNIST); "n/a" when pooled is not
   * above the mean single site.
   */
  static String gapClosed(double merged, double single, double pooled) {
    if (!(pooled > single)) {
      return String.format(
          Locale.ROOT,
          "gap closed: n/a (pooled %.4f is not above the mean single site %.4f)",
          pooled,
          single);
    }
    return String.format(
        Locale.ROOT,
        "gap closed (merged − mean single site) / (pooled − mean single site): "
            + "**%.0f %%** ((%.4f − %.4f) / (%.4f − %.4f))",
        100 * (merged - single) / (pooled - single),
        merged,
        single,
        pooled,
        single);
  }

  /**
   * One claim of the paper checked on a group: its statement with the numbers, and whether it
   * holds.
   */
  record Claim(String text, boolean holds) {}

  /** The paper's claims, each stated with its numbers; "does not hold" when it does not. */
  static String claims(List<ExperimentJob.CellResult> cells) {
    return claimLines(claimList(cells));
  }

  private static String claimLines(List<Claim> claims) {
    return "Claims (means over seeds):\n\n"
        + claims.stream().map(c -> "- " + c.text()).collect(Collectors.joining("\n"))
        + "\n";
  }

  static List<Claim> claimList(List<ExperimentJob.CellResult> cells) {
    double merged = mean(perSeed(cells, "merged", "auc", "test"));
    double mergedAcc = mean(perSeed(cells, "merged", "accuracy", "test"));
    double best = mean(perSeed(cells, "best_single_site", "auc", "test"));
    double bestAcc = mean(perSeed(cells, "best_single_site", "accuracy", "test"));
    double single = mean(perSeed(cells, "single_site", "auc", "test"));
    double pooled = mean(perSeed(cells, "pooled", "auc", "test"));
    double random = mean(perSeed(cells, "random_vector", "auc", "test"));
    List<Claim> lines = new ArrayList<>();
    lines.add(claim("merged AUC > mean single-site AUC", merged > single, merged, single));
    lines.add(claim("merged AUC > best single-site AUC", merged > best, merged, best));
    lines.add(
        claim(
            "merged accuracy > best single-site accuracy",
            mergedAcc > bestAcc,
            mergedAcc,
            bestAcc));
    if (!Double.isNaN(mean(perSeed(cells, "mean", "auc", "test")))) {
      lines.add(versusMean(cells, "auc", "AUC"));
      lines.add(versusMean(cells, "accuracy", "accuracy"));
    }
    if (!Double.isNaN(pooled)) {
      lines.add(
          claim("merged AUC within 2 points of pooled", pooled - merged <= 0.02, merged, pooled));
      // a measure, not a claim: never flagged
      lines.add(new Claim(gapClosed(merged, single, pooled), true));
    }
    if (!Double.isNaN(random)) {
      lines.add(
          claim(
              "random_vector AUC clearly below merged (by > 1 point)",
              merged - random > 0.01,
              random,
              merged));
    }
    return lines;
  }

  /**
   * merged against the one-shot average {@code mean} (λ = 1/K), flagged with the margin and the
   * seeds it won when {@code mean} is the better model.
   */
  static Claim versusMean(List<ExperimentJob.CellResult> cells, String metric, String name) {
    double[] merged = perSeed(cells, "merged", metric, "test");
    double[] average = perSeed(cells, "mean", metric, "test");
    int wins = 0;
    for (int i = 0; i < merged.length; i++) {
      wins += average[i] > merged[i] ? 1 : 0;
    }
    Claim claim =
        claim(
            "merged " + name + " > mean " + name + " (the one-shot average, λ = 1/K)",
            mean(merged) > mean(average),
            mean(merged),
            mean(average));
    if (!(mean(average) > mean(merged))) {
      return claim;
    }
    return new Claim(
        claim.text()
            + String.format(
                Locale.ROOT,
                " — **⚠ `mean` beats `merged`** by %.4f %s, in %d " + "of %d seed%s",
                mean(average) - mean(merged),
                name,
                wins,
                merged.length,
                merged.length == 1 ? "" : "s"),
        false);
  }

  private static Claim claim(String text, boolean holds, double a, double b) {
    return new Claim(
        String.format(
            Locale.ROOT,
            "%s: **%s** (%.4f vs %.4f)",
            text,
            holds ? "holds" : "does not hold",
            a,
            b),
        holds);
  }

  private static String reference(String dataset, List<ExperimentJob.CellResult> cells) {
    double[] ref = RESNET18.get(dataset);
    if (ref == null) {
      return "";
    }
    double[] acc =
        cells.stream().mapToDouble(c -> value(c, "pooled", "accuracy", "test")).toArray();
    double[] auc = cells.stream().mapToDouble(c -> value(c, "pooled", "auc", "test")).toArray();
    return String.format(
        Locale.ROOT,
        "%n## %s: our pooled model vs MedMNIST v2 ResNet-18 (28 px)%n%n"
            + "| model | test ACC | test AUC |%n|---|---|---|%n| pooled (ours, all cells) | %s | %s |%n"
            + "| ResNet-18 (Yang et al. 2023, Table 3) | %.3f | %.3f |%n",
        dataset,
        cell(acc),
        cell(auc),
        ref[0],
        ref[1]);
  }

  /** The group's test AUC and accuracy per shown kind: mean over seeds with ± one std. */
  static JFreeChart bars(String group, List<ExperimentJob.CellResult> cells) {
    Map<String, List<ReportCharts.Series>> panels = new LinkedHashMap<>();
    panels.put("test AUC", series(cells, "auc"));
    panels.put("test accuracy", series(cells, "accuracy"));
    return ReportCharts.bars(
        group, seeds(cells.size()) + "; value axes zoomed to the data (not from 0)", panels);
  }

  private static List<ReportCharts.Series> series(
      List<ExperimentJob.CellResult> cells, String metric) {
    List<ReportCharts.Series> series = new ArrayList<>();
    shown(cells)
        .forEach(
            (kind, label) ->
                series.add(
                    new ReportCharts.Series(kind, label, perSeed(cells, kind, metric, "test"))));
    return series;
  }

  private static String seeds(int n) {
    return n < 2
        ? "1 seed: no error bars (a standard deviation needs 2 seeds)"
        : "mean over " + n + " seeds, error bars ± 1 standard deviation";
  }

  /**
   * Each cell's validation score of every λ candidate, in the metric that chose λ; under
   * merge.lambda-scope=block the candidates with the head's λ equal to the features' (the curve one
   * λ would trace).
   */
  static JFreeChart lambdaCurve(String dataset, List<ExperimentJob.CellResult> cells) {
    boolean loss = cells.stream().anyMatch(c -> c.merge().lambdaSelection().endsWith("log_loss"));
    XYSeriesCollection data = new XYSeriesCollection();
    for (ExperimentJob.CellResult c : cells) {
      XYSeries series =
          new XYSeries(
              String.format(
                  Locale.ROOT, "k%d-%s-s%d", c.cell().hospitals(), split(c), c.cell().seed()));
      for (LambdaSearch.Candidate candidate : c.merge().candidates()) {
        if (candidate.lambdaHead() != null && candidate.lambdaHead() != candidate.lambda()) {
          continue;
        }
        series.add(candidate.lambda(), loss ? candidate.valLogLoss() : candidate.valAuc());
      }
      data.addSeries(series);
    }
    String metric = loss ? "val log-loss" : "val AUC";
    return ReportCharts.lambda(
        dataset + ": " + metric + " of merged vs λ",
        "one line per cell (K, split, seed);"
            + " λ is chosen where its line is "
            + (loss ? "lowest" : "highest"),
        metric,
        data);
  }

  /**
   * merged, mean, the mean single site and pooled against K (test AUC and accuracy, mean ± std over
   * seeds); empty when the cells have one K.
   */
  static Optional<JFreeChart> hospitalsCurve(String title, List<ExperimentJob.CellResult> cells) {
    Map<String, List<ReportCharts.Curve>> panels = new LinkedHashMap<>();
    for (String metric : List.of("auc", "accuracy")) {
      List<ReportCharts.Curve> curves = new ArrayList<>();
      for (String kind : List.of("merged", "mean", "single_site", "pooled")) {
        SortedMap<Integer, double[]> byK = new TreeMap<>();
        cells.stream()
            .map(c -> c.cell().hospitals())
            .distinct()
            .forEach(
                k ->
                    byK.put(
                        k,
                        perSeed(
                            cells.stream().filter(c -> c.cell().hospitals() == k).toList(),
                            kind,
                            metric,
                            "test")));
        if (byK.values().stream().anyMatch(v -> !Double.isNaN(mean(v)))) {
          curves.add(new ReportCharts.Curve(kind, byK));
        }
      }
      panels.put("test " + (metric.equals("auc") ? "AUC" : metric), curves);
    }
    return ReportCharts.byHospitals(
        title + ": test metrics vs number of hospitals",
        "mean over seeds at each K, error bars ± 1 standard deviation",
        panels);
  }

  private static void png(JobContext ctx, Path file, JFreeChart chart, int width, int height) {
    System.setProperty("java.awt.headless", "true");
    try (OutputStream out = file.getFileSystem(ctx.hadoop()).create(file, false)) {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write chart " + file, e);
    }
  }
}
