package io.medvec.core.merge.screen;

import java.util.Arrays;

/** Median, median absolute deviation and robust z-scores. */
final class RobustStats {

  /** Scales the MAD to the standard deviation of normal data. */
  static final double MAD_TO_SIGMA = 1.4826;

  private RobustStats() {}

  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("Cannot take the median: no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  static double mad(double[] values) {
    double median = median(values);
    return median(Arrays.stream(values).map(v -> Math.abs(v - median)).toArray());
  }

  /**
   * (x − median) / (1.4826·MAD); with a MAD of zero any deviation is infinitely far and none is
   * zero.
   */
  static double[] zScores(double[] values) {
    double median = median(values);
    double sigma = MAD_TO_SIGMA * mad(values);
    return Arrays.stream(values)
        .map(
            v -> {
              double d = v - median;
              if (sigma > 0) {
                return d / sigma;
              }
              return d == 0
                  ? 0
                  : Math.copySign(Double.MAX_VALUE, d); // finite: JSON has no Infinity
            })
        .toArray();
  }
}
