package io.medvec.core.data;

import java.util.random.RandomGenerator;

/**
 * Gamma(shape, 1) and symmetric Dirichlet sampling.
 *
 * <p>Marsaglia &amp; Tsang, "A simple method for generating gamma variables", ACM TOMS 26(3), 2000,
 * with their boost {@code Gamma(a) = Gamma(a + 1) * U^(1/a)} for shape &lt; 1. Samples are kept as
 * logarithms because for small shapes {@code U^(1/a)} underflows to 0, which would leave a
 * Dirichlet draw with nothing to normalise.
 */
final class Gamma {
  private Gamma() {}

  /** Logarithm of one Gamma(shape, 1) sample; shape must be finite and &gt; 0. */
  static double logSample(double shape, RandomGenerator rng) {
    if (shape < 1) {
      double u = 1 - rng.nextDouble(); // in (0, 1]: log stays finite
      return logSample(shape + 1, rng) + Math.log(u) / shape;
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x = rng.nextGaussian();
      double v = 1 + c * x;
      if (v <= 0) {
        continue;
      }
      v = v * v * v;
      double u = 1 - rng.nextDouble();
      double x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
        return Math.log(d * v);
      }
    }
  }

  /** One draw from the symmetric Dirichlet(alpha, ..., alpha) over {@code k} components. */
  static double[] dirichlet(double alpha, int k, RandomGenerator rng) {
    double[] logs = new double[k];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      logs[i] = logSample(alpha, rng);
      max = Math.max(max, logs[i]);
    }
    double sum = 0;
    double[] p = new double[k];
    for (int i = 0; i < k; i++) {
      p[i] = Math.exp(logs[i] - max); // the largest becomes 1: no overflow, no all-zero draw
      sum += p[i];
    }
    for (int i = 0; i < k; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
