package io.medvec.jobs.experiment;

import io.medvec.core.merge.Controls;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.MergeSelection;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.ParamSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Strategy controls ({@code strategy_NAME}, default parameters) that were the same computation in a
 * group of cells: the report shows them once and says which were merged and why. Sameness is read
 * from the results — every metric row of every cell and every λ candidate identical — and explained
 * from the strategies' definitions where they imply it (at K = 4 the default trimmed mean drops one
 * value from each end and averages the middle two: the median). The same holds for the candidates
 * of {@code merge.strategy: auto}: the chosen one is named with those it tied with.
 */
final class EquivalentStrategies {

  /** {@code dropped} had the results of {@code kept} in every cell; {@code reason} says why. */
  record Alias(String kept, String dropped, String reason) {}

  private record Row(String split, String metric, Integer label, double value, long n) {}

  private static final String PREFIX = "strategy_";

  private EquivalentStrategies() {}

  /**
   * The strategy kinds among {@code kinds} (in that order) whose results equal an earlier one's in
   * every cell of a group with {@code hospitals} hospitals; each maps to the first of its kind.
   */
  static List<Alias> find(List<ExperimentJob.CellResult> cells, List<String> kinds, int hospitals) {
    List<String> kept = new ArrayList<>();
    List<Alias> aliases = new ArrayList<>();
    for (String kind : kinds) {
      if (!kind.startsWith(PREFIX) || cells.stream().allMatch(c -> rows(c, kind).isEmpty())) {
        continue;
      }
      String same = kept.stream().filter(k -> identical(cells, k, kind)).findFirst().orElse(null);
      if (same == null) {
        kept.add(kind);
      } else {
        aliases.add(new Alias(same, kind, reason(strategy(same), strategy(kind), hospitals)));
      }
    }
    return aliases;
  }

  /** The report's sentence for one alias. */
  static String note(Alias alias, int cells) {
    return String.format(
        Locale.ROOT,
        "`%s` is reported as `%s`: %s; identical results in all %d cells (every "
            + "metric, split and λ candidate).",
        alias.dropped(),
        alias.kept(),
        alias.reason(),
        cells);
  }

  /**
   * Why two strategies (registry names) with default parameters are one computation at K hospitals,
   * as far as their definitions say; otherwise that only their results coincide.
   */
  static String reason(String a, String b, int hospitals) {
    List<String> pair = List.of(a, b);
    if (pair.contains("trimmed-mean")) {
      ParamSpec trim =
          MergeStrategies.get("trimmed-mean")
              .parameter("trim")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "Cannot explain trimmed-mean: it declares no parameter 'trim'"));
      double beta = trim.defaultValue();
      int dropped = (int) Math.floor(beta * hospitals);
      int middle = hospitals - 2 * dropped;
      String floor = String.format(Locale.ROOT, "⌊%s·%d⌋ = %d", format(beta), hospitals, dropped);
      if (pair.contains("median") && middle <= 2) {
        return String.format(
            Locale.ROOT,
            "median = trimmed-mean at K = %d (%s; %s, and the mean of the middle %d "
                + "value%s is the median)",
            hospitals,
            "trim " + format(beta),
            dropped == 0
                ? "trimming removes nothing: " + floor
                : "trimming " + floor + " from each end",
            middle,
            middle == 1 ? "" : "s");
      }
      if (pair.contains("task-arithmetic") && dropped == 0) {
        return String.format(
            Locale.ROOT,
            "task-arithmetic = trimmed-mean at K = %d (trim %s; trimming removes "
                + "nothing: %s, the plain sum)",
            hospitals,
            format(beta),
            floor);
      }
    }
    return String.format(
        Locale.ROOT,
        "%s = %s at K = %d (the same results, though their definitions differ)",
        b,
        a,
        hospitals);
  }

  /**
   * The strategy {@code merge.strategy: auto} chose for a cell, with the candidates whose best
   * validation scores were the same as its own, e.g. "median (= trimmed-mean)".
   */
  static String chosen(ExperimentJob.CellResult c) {
    List<MergeSelection.Candidate> tried = c.merge().strategyCandidates();
    MergeSelection.Candidate won =
        tried.stream()
            .filter(
                s ->
                    s.strategy().equals(c.merge().strategy())
                        && Objects.equals(s.outputLayerPull(), c.merge().outputLayerPull()))
            .findFirst()
            .orElse(null);
    if (won == null) {
      return c.merge().strategy();
    }
    List<String> tied =
        tried.stream()
            .filter(
                s ->
                    !s.strategy().equals(won.strategy())
                        && Objects.equals(s.outputLayerPull(), won.outputLayerPull())
                        && s.best().equals(won.best()))
            .map(MergeSelection.Candidate::strategy)
            .distinct()
            .toList();
    return tied.isEmpty()
        ? won.strategy()
        : won.strategy() + " (= " + String.join(", ", tied) + ")";
  }

  /** The registry name of a {@code strategy_NAME} kind. */
  static String strategy(String kind) {
    String snake = kind.substring(PREFIX.length());
    return MergeStrategies.names().stream()
        .filter(n -> n.replace('-', '_').equals(snake))
        .findFirst()
        .orElse(snake.replace('_', '-'));
  }

  private static boolean identical(List<ExperimentJob.CellResult> cells, String a, String b) {
    return cells.stream()
        .allMatch(
            c ->
                rows(c, a).equals(rows(c, b))
                    && Objects.equals(candidates(c, a), candidates(c, b)));
  }

  private static List<Row> rows(ExperimentJob.CellResult cell, String kind) {
    return cell.evaluate().rows().stream()
        .filter(r -> r.modelKind().equals(kind))
        .map(r -> new Row(r.split(), r.metric(), r.label(), r.value(), r.n()))
        .sorted(Comparator.comparing(Row::toString))
        .toList();
  }

  private static List<LambdaSearch.Candidate> candidates(
      ExperimentJob.CellResult cell, String kind) {
    return cell.merge().controls().stream()
        .filter(c -> c.kind().equals(kind))
        .findFirst()
        .map(Controls.Control::candidates)
        .orElse(null);
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
