package io.medvec.core.privacy;

import java.util.SplittableRandom;

/**
 * Differential privacy for a released data vector: clip τ to L2 norm S, then add N(0, (z·S)²) to
 * every coordinate (the Gaussian mechanism; Dwork &amp; Roth, The Algorithmic Foundations of
 * Differential Privacy, 2014, App. A). After clipping, adding or removing one hospital's whole
 * dataset changes the released vector by at most S in L2, so the guarantee is per hospital (every
 * example of the hospital at once), accounted by {@link #epsilon}.
 *
 * @param clipNorm S &gt; 0
 * @param noiseMultiplier z &gt; 0 (σ = z·S)
 */
public record GaussianMechanism(double clipNorm, double noiseMultiplier) {

  public GaussianMechanism {
    if (!(clipNorm > 0) || !Double.isFinite(clipNorm)) {
      throw new IllegalArgumentException(
          "Cannot build Gaussian mechanism: clip norm must be > 0 (" + clipNorm + ")");
    }
    if (!(noiseMultiplier > 0) || !Double.isFinite(noiseMultiplier)) {
      throw new IllegalArgumentException(
          "Cannot build Gaussian mechanism: noise multiplier must be > 0 ("
              + noiseMultiplier
              + ")");
    }
  }

  /** σ = z·S. */
  public double sigma() {
    return noiseMultiplier * clipNorm;
  }

  /** A copy of {@code values} scaled down to L2 norm at most S (unchanged if already within). */
  public float[] clip(float[] values) {
    double norm = 0;
    for (float v : values) {
      norm += (double) v * v;
    }
    norm = Math.sqrt(norm);
    float[] out = values.clone();
    if (norm > clipNorm) {
      double scale = clipNorm / norm;
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (out[i] * scale);
      }
    }
    return out;
  }

  /**
   * Clipped {@code values} plus Gaussian noise of standard deviation σ, reproducible for a seed.
   */
  public float[] release(float[] values, long seed) {
    float[] out = clip(values);
    SplittableRandom rng = new SplittableRandom(seed);
    double sigma = sigma();
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (out[i] + sigma * rng.nextGaussian());
    }
    return out;
  }

  /**
   * ε of (ε, δ)-DP after {@code releases} releases, by Rényi DP: the Gaussian mechanism is (α,
   * α/(2z²))-RDP, RDP composes additively, and (α, ρ)-RDP implies (ρ + ln(1/δ)/(α−1), δ)-DP
   * (Mironov, Rényi Differential Privacy, CSF 2017, Prop. 1 and 3); minimised over α in closed
   * form: ε = k/(2z²) + √(2k·ln(1/δ))/z.
   */
  public double epsilon(double delta, int releases) {
    if (!(delta > 0 && delta < 1) || releases < 1) {
      throw new IllegalArgumentException(
          "Cannot account privacy: need 0 < delta < 1 and releases >= 1 ("
              + delta
              + ", "
              + releases
              + ")");
    }
    double z = noiseMultiplier;
    return releases / (2 * z * z) + Math.sqrt(2 * releases * Math.log(1 / delta)) / z;
  }

  /** The z giving ε for one release at δ (inverse of {@link #epsilon}, by bisection). */
  public static double noiseMultiplierFor(double epsilon, double delta) {
    if (!(epsilon > 0) || !(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException(
          "Cannot calibrate noise: need epsilon > 0 and 0 < delta < 1 ("
              + epsilon
              + ", "
              + delta
              + ")");
    }
    double lo = 1e-6;
    double hi = 1e6;
    for (int i = 0; i < 200; i++) {
      double mid = Math.sqrt(lo * hi);
      if (new GaussianMechanism(1, mid).epsilon(delta, 1) > epsilon) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }
}
