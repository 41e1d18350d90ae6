package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GammaTest {
  private static final int SAMPLES = 200_000;

  @ParameterizedTest
  @ValueSource(doubles = {0.1, 0.5, 1.0, 2.5, 30.0})
  void gammaSamplesHaveMeanAndVarianceEqualToShape(double shape) {
    SplittableRandom rng = new SplittableRandom(17);
    double sum = 0;
    double sumSquares = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double x = Math.exp(Gamma.logSample(shape, rng));
      sum += x;
      sumSquares += x * x;
    }
    double mean = sum / SAMPLES;
    double variance = sumSquares / SAMPLES - mean * mean;
    // Gamma(k, 1): mean k, variance k; tolerance ~ 5 standard errors of the mean
    double tolerance = 5 * Math.sqrt(shape / SAMPLES);

    assertThat(mean).isCloseTo(shape, within(tolerance));
    assertThat(variance).isCloseTo(shape, within(0.05 * shape + 10 * tolerance));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.001, 0.1, 1.0, 1000.0})
  void dirichletDrawsSumToOneWithMeanOneOverK(double alpha) {
    SplittableRandom rng = new SplittableRandom(5);
    int k = 4;
    int draws = 20_000;
    double[] means = new double[k];
    for (int d = 0; d < draws; d++) {
      double[] p = Gamma.dirichlet(alpha, k, rng);
      double sum = 0;
      for (int i = 0; i < k; i++) {
        assertThat(p[i]).isBetween(0.0, 1.0);
        sum += p[i];
        means[i] += p[i] / draws;
      }
      assertThat(sum).isCloseTo(1.0, within(1e-9));
    }
    for (double mean : means) {
      assertThat(mean).isCloseTo(1.0 / k, within(0.02));
    }
  }
}
