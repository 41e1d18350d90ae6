package io.medvec.jobs.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One benchmark figure: the median of the timed runs, its unit and, where a peer figure exists
 * (PyTorch, a plain Parquet scan, the direct training loop), {@code value / peer}.
 *
 * @param name dotted name, e.g. {@code train.dl4j.threads=2}
 * @param value median over the timed runs
 * @param unit unit of {@code value}
 * @param ratio {@code value / peer value} (higher is better for throughputs), or null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record BenchFigure(String name, double value, String unit, Double ratio) {

  static BenchFigure of(String name, double value, String unit) {
    return new BenchFigure(name, value, unit, null);
  }

  BenchFigure against(double peer) {
    return new BenchFigure(name, value, unit, peer > 0 ? value / peer : null);
  }

  String line() {
    String r = ratio == null ? "" : String.format(Locale.ROOT, "   ratio %.2f", ratio);
    return String.format(Locale.ROOT, "%-44s %12.4g %-8s%s", name, value, unit, r);
  }

  /** Median of the values (mean of the two middle ones for an even count). */
  static double median(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("Cannot take the median of no runs");
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
