package io.medvec.core.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Confidence intervals for the metrics medvec reports, as a model card states them: DeLong's
 * interval for a two-class ROC AUC (DeLong, DeLong and Clarke-Pearson 1988, the method of R's pROC
 * {@code ci.auc}), Wilson's score interval for accuracy, and a seeded percentile bootstrap
 * (resampling examples) for the macro one-vs-rest AUC of more than two classes and for macro F1.
 */
public final class ConfidenceIntervals {

  /** Bootstrap resamples; enough for a stable 95 % percentile interval on test sets this size. */
  public static final int BOOTSTRAP_RESAMPLES = 1000;

  /** A two-sided interval at {@code level} (e.g. 0.95), with the method that produced it. */
  public record Interval(double low, double high, double level, String method) {
    public Interval {
      if (!(low <= high) && !(Double.isNaN(low) && Double.isNaN(high))) {
        throw new IllegalArgumentException(
            "Cannot create interval: low > high (" + low + ", " + high + ")");
      }
    }

    static Interval undefined(double level, String method) {
      return new Interval(Double.NaN, Double.NaN, level, method);
    }
  }

  private ConfidenceIntervals() {}

  /**
   * The AUC's interval: DeLong for two classes (the AUC of the class-1 score), a percentile
   * bootstrap of {@link ClassificationMetrics#macroOvrAuc} otherwise. NaN bounds when the AUC is
   * undefined (one class only).
   */
  public static Interval auc(ScoreSet scores, double level, long seed) {
    checkLevel(level);
    if (scores.numClasses() == 2) {
      return delong(scores, 1, level);
    }
    return bootstrap(scores, level, seed, "bootstrap", ClassificationMetrics::macroOvrAuc);
  }

  /** Accuracy's Wilson score interval. */
  public static Interval accuracy(ScoreSet scores, double level) {
    checkLevel(level);
    long[][] confusion = ClassificationMetrics.confusion(scores);
    long correct = 0;
    for (int c = 0; c < confusion.length; c++) {
      correct += confusion[c][c];
    }
    return wilson(correct, scores.size(), level);
  }

  /** Macro F1's percentile bootstrap interval. */
  public static Interval macroF1(ScoreSet scores, double level, long seed) {
    checkLevel(level);
    return bootstrap(
        scores,
        level,
        seed,
        "bootstrap",
        s -> ClassificationMetrics.macroF1(ClassificationMetrics.confusion(s)));
  }

  /** Wilson's score interval for {@code successes} of {@code n}. */
  public static Interval wilson(long successes, long n, double level) {
    checkLevel(level);
    if (n <= 0) {
      return Interval.undefined(level, "wilson");
    }
    double z = normalQuantile(0.5 + level / 2);
    double p = (double) successes / n;
    double z2n = z * z / n;
    double centre = (p + z2n / 2) / (1 + z2n);
    double half = z / (1 + z2n) * Math.sqrt(p * (1 - p) / n + z2n / (4 * n));
    return new Interval(Math.max(0, centre - half), Math.min(1, centre + half), level, "wilson");
  }

  /**
   * DeLong's interval for the AUC of class {@code cls}'s score for "label == cls": AUC ± z·SE with
   * SE² = S10/m + S01/n from the placement values of the m positives and n negatives, clipped to
   * [0, 1]. Ties count 1/2, as in {@link ClassificationMetrics#binaryAuc}.
   */
  public static Interval delong(ScoreSet scores, int cls, double level) {
    checkLevel(level);
    int m = 0;
    for (int row = 0; row < scores.size(); row++) {
      m += scores.label(row) == cls ? 1 : 0;
    }
    int n = scores.size() - m;
    if (m < 2 || n < 2) {
      return Interval.undefined(level, "delong");
    }
    double[] pos = new double[m];
    double[] neg = new double[n];
    int p = 0;
    int q = 0;
    for (int row = 0; row < scores.size(); row++) {
      double s = scores.score(row, cls) + 0.0;
      if (scores.label(row) == cls) {
        pos[p++] = s;
      } else {
        neg[q++] = s;
      }
    }
    double[] sortedPos = pos.clone();
    double[] sortedNeg = neg.clone();
    Arrays.sort(sortedPos);
    Arrays.sort(sortedNeg);
    // V10: for each positive, the share of negatives it outranks; V01: for each negative, the
    // share of positives that outrank it
    double[] v10 = new double[m];
    for (int i = 0; i < m; i++) {
      v10[i] = (below(sortedNeg, pos[i]) + 0.5 * equal(sortedNeg, pos[i])) / n;
    }
    double[] v01 = new double[n];
    for (int j = 0; j < n; j++) {
      v01[j] =
          (m - below(sortedPos, neg[j]) - equal(sortedPos, neg[j]) + 0.5 * equal(sortedPos, neg[j]))
              / m;
    }
    double auc = mean(v10);
    double se = Math.sqrt(variance(v10) / m + variance(v01) / n);
    double z = normalQuantile(0.5 + level / 2);
    return new Interval(Math.max(0, auc - z * se), Math.min(1, auc + z * se), level, "delong");
  }

  interface Statistic {
    double of(ScoreSet s);
  }

  static Interval bootstrap(
      ScoreSet scores, double level, long seed, String method, Statistic statistic) {
    int size = scores.size();
    if (size == 0) {
      return Interval.undefined(level, method);
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[BOOTSTRAP_RESAMPLES];
    int defined = 0;
    int k = scores.numClasses();
    float[] row = new float[k];
    for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
      ScoreSet sample = new ScoreSet(k);
      for (int i = 0; i < size; i++) {
        int pick = random.nextInt(size);
        for (int c = 0; c < k; c++) {
          row[c] = scores.score(pick, c);
        }
        sample.add(scores.label(pick), row);
      }
      double v = statistic.of(sample);
      if (!Double.isNaN(v)) {
        values[defined++] = v;
      }
    }
    if (defined == 0) {
      return Interval.undefined(level, method);
    }
    double[] sorted = Arrays.copyOf(values, defined);
    Arrays.sort(sorted);
    double alpha = (1 - level) / 2;
    return new Interval(percentile(sorted, alpha), percentile(sorted, 1 - alpha), level, method);
  }

  /** Linear interpolation between order statistics (R's type 7, numpy's default). */
  static double percentile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /**
   * The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
   */
  public static double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("Cannot compute normal quantile of " + p);
    }
    double[] a = {
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
    };
    double[] b = {
      -5.447609879822406e+01,
      1.615858368580409e+02,
      -1.556989798598866e+02,
      6.680131188771972e+01,
      -1.328068155288572e+01
    };
    double[] c = {
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
    };
    double[] d = {
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
    };
    double x;
    if (p < 0.02425) {
      double q = Math.sqrt(-2 * Math.log(p));
      x =
          (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      x =
          -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
              / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
      double q = p - 0.5;
      double r = q * q;
      x =
          (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
              * q
              / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    return x;
  }

  private static void checkLevel(double level) {
    if (!(level > 0 && level < 1)) {
      throw new IllegalArgumentException(
          "Cannot compute confidence interval: level must be in (0, 1) (" + level + ")");
    }
  }

  /** Number of values in {@code sorted} strictly below {@code x}. */
  private static int below(double[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int equal(double[] sorted, double x) {
    int from = below(sorted, x);
    int to = from;
    while (to < sorted.length && sorted[to] == x) {
      to++;
    }
    return to - from;
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /** Sample variance (n − 1 denominator), as DeLong's S10 and S01. */
  private static double variance(double[] v) {
    double mu = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - mu) * (x - mu);
    }
    return s / (v.length - 1);
  }
}
