package io.medvec.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.VectorLayout;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BnStatsMixerTest {

  static final VectorLayout LAYOUT =
      new VectorLayout(
          List.of(
              new TensorSpec("1_mean", List.of(1L, 2L), 0, 2),
              new TensorSpec("1_var", List.of(1L, 2L), 2, 2)));

  @Test
  void mixtureEqualsTheMomentsOfThePooledSamples() {
    Random random = new Random(3);
    double[][] a = samples(random, 300, 1.0, 2.0);
    double[][] b = samples(random, 100, -3.0, 0.5);
    float[] mixed =
        BnStatsMixer.mix(LAYOUT, List.of(moments(a), moments(b)), new long[] {300, 100});
    double[][] pooled = new double[2][400];
    for (int c = 0; c < 2; c++) {
      System.arraycopy(a[c], 0, pooled[c], 0, 300);
      System.arraycopy(b[c], 0, pooled[c], 300, 100);
    }
    float[] expected = moments(pooled);
    assertThat(mixed).containsExactly(expected, within(1e-4f));
  }

  @Test
  void oneHospitalKeepsItsStatistics() {
    float[] stats = {0.1f, -2f, 3f, 0.25f};
    assertThat(BnStatsMixer.mix(LAYOUT, List.of(stats), new long[] {7})).containsExactly(stats);
  }

  @Test
  void mismatchedCountsAreRefused() {
    assertThatThrownBy(() -> BnStatsMixer.mix(LAYOUT, List.of(new float[4]), new long[] {1, 2}))
        .hasMessageContaining("1 sets for 2 counts");
  }

  private static double[][] samples(Random random, int n, double mean, double sd) {
    double[][] x = new double[2][n];
    for (int c = 0; c < 2; c++) {
      for (int i = 0; i < n; i++) {
        x[c][i] = mean * (c + 1) + sd * random.nextGaussian();
      }
    }
    return x;
  }

  private static float[] moments(double[][] x) {
    float[] out = new float[4];
    for (int c = 0; c < 2; c++) {
      double mean = 0;
      for (double v : x[c]) {
        mean += v / x[c].length;
      }
      double var = 0;
      for (double v : x[c]) {
        var += (v - mean) * (v - mean) / x[c].length;
      }
      out[c] = (float) mean;
      out[2 + c] = (float) var;
    }
    return out;
  }
}
