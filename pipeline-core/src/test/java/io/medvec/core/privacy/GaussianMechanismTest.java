package io.medvec.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GaussianMechanismTest {

  static float[] gaussian(int n, double scale, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (scale * rng.nextGaussian());
    }
    return v;
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void clippingBoundsTheNormAndKeepsTheDirection() {
    float[] v = gaussian(10_000, 1, 1);
    GaussianMechanism m = new GaussianMechanism(5, 1);
    float[] clipped = m.clip(v);
    assertThat(norm(clipped)).isCloseTo(5, within(1e-3));
    assertThat(clipped[17] / v[17]).isCloseTo((float) (5 / norm(v)), within(1e-6f));
    float[] small = gaussian(100, 0.01, 2);
    assertThat(m.clip(small)).containsExactly(small);
  }

  @Test
  void noiseHasStandardDeviationZTimesSAndIsReproducible() {
    GaussianMechanism m = new GaussianMechanism(2, 0.5);
    float[] zeros = new float[200_000];
    float[] released = m.release(zeros, 7);
    assertThat(norm(released) / Math.sqrt(zeros.length)).isCloseTo(1.0, within(0.01));
    assertThat(m.release(zeros, 7)).containsExactly(released);
    assertThat(m.release(zeros, 8)).isNotEqualTo(released);
  }

  @Test
  void rdpAccountantMatchesTheClosedFormAndComposes() {
    GaussianMechanism m = new GaussianMechanism(1, 1);
    // min over alpha of alpha/2 + ln(1e5)/(alpha-1), by brute force
    double brute = Double.POSITIVE_INFINITY;
    for (double a = 1.001; a < 100; a += 0.001) {
      brute = Math.min(brute, a / 2 + Math.log(1e5) / (a - 1));
    }
    assertThat(m.epsilon(1e-5, 1)).isCloseTo(brute, within(1e-4)).isCloseTo(5.299, within(1e-3));
    assertThat(m.epsilon(1e-5, 4)).isGreaterThan(m.epsilon(1e-5, 1));
    assertThat(new GaussianMechanism(1, 10).epsilon(1e-5, 1)).isLessThan(0.5);
  }

  @Test
  void calibrationInvertsTheAccountant() {
    for (double eps : new double[] {0.5, 1, 4, 8}) {
      double z = GaussianMechanism.noiseMultiplierFor(eps, 1e-5);
      assertThat(new GaussianMechanism(1, z).epsilon(1e-5, 1)).isCloseTo(eps, within(1e-6));
    }
  }

  @Test
  void badParametersAreRefused() {
    assertThatThrownBy(() -> new GaussianMechanism(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clip norm must be > 0 (0.0)");
    assertThatThrownBy(() -> new GaussianMechanism(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise multiplier must be > 0 (-1.0)");
    assertThatThrownBy(() -> new GaussianMechanism(1, 1).epsilon(1.5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(1.5, 1)");
  }
}
