package io.medvec.core.merge.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The defining invariants of each strategy, on in-memory vectors. */
class StrategyInvariantsTest {

  static final long SEED = 7;

  static float[] merge(
      String name, Map<String, String> params, float[][] deltas, long... examples) {
    MergeStrategy s = MergeStrategies.get(name);
    long[] n = examples.length == 0 ? ones(deltas.length) : examples;
    return StrategyMerge.merge(s, Params.parse(s, params), deltas, n, SEED);
  }

  static long[] ones(int k) {
    long[] n = new long[k];
    Arrays.fill(n, 100);
    return n;
  }

  static float[][] gaussian(int k, int p, long seed) {
    Random random = new Random(seed);
    float[][] deltas = new float[k][p];
    for (float[] d : deltas) {
      for (int i = 0; i < p; i++) {
        d[i] = (float) random.nextGaussian();
      }
    }
    return deltas;
  }

  static float[] plainSum(float[][] deltas) {
    float[] sum = new float[deltas[0].length];
    for (float[] d : deltas) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += d[i];
      }
    }
    return sum;
  }

  @Test
  void taskArithmeticIsThePlainSumInHospitalOrder() {
    float[][] deltas = gaussian(4, 300, 1);
    assertThat(merge("task-arithmetic", Map.of(), deltas)).containsExactly(plainSum(deltas));
  }

  @Test
  void weightedSumWithEqualCountsIsThePlainSumBitForBit() {
    float[][] deltas = gaussian(3, 300, 2);
    assertThat(merge("weighted-sum", Map.of(), deltas, 37, 37, 37))
        .containsExactly(plainSum(deltas));
  }

  @Test
  void weightedSumWeighsByExampleCountsOnTheSumScale() {
    float[][] deltas = {{1f, 2f}, {4f, -8f}};
    // w = K·n/Σn = 2·(300, 100)/400 = (1.5, 0.5)
    assertThat(merge("weighted-sum", Map.of(), deltas, 300, 100)).containsExactly(3.5f, -1f);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"task-arithmetic", "weighted-sum", "ties", "dare", "median", "trimmed-mean"})
  void mergingKIdenticalVectorsGivesKTimesThatVector(String name) {
    // ties keeps everything at top-k 1, dare drops nothing at rate 0: both are then deterministic
    Map<String, String> params =
        Map.of("ties", Map.of("top-k", "1"), "dare", Map.of("drop-rate", "0"))
            .getOrDefault(name, Map.of());
    float[] tau = gaussian(1, 200, 3)[0];
    float[] merged =
        merge(name, params, new float[][] {tau, tau, tau, tau, tau}, 10, 20, 30, 40, 50);
    for (int i = 0; i < tau.length; i++) {
      assertThat(merged[i])
          .as("%s at %d", name, i)
          .isCloseTo(5 * tau[i], within(1e-5f * (1 + Math.abs(tau[i]))));
    }
  }

  @Test
  void tiesKeepingEverythingWithAgreeingSignsIsKTimesTheMean() {
    float[][] deltas = gaussian(4, 500, 4);
    for (float[] d : deltas) {
      for (int i = 0; i < d.length; i++) {
        d[i] =
            (i % 2 == 0 ? 1 : -1)
                * Math.abs(d[i]); // signs agree across vectors, vary across coordinates
      }
    }
    float[] ties = merge("ties", Map.of("top-k", "1"), deltas);
    float[] sum = plainSum(deltas);
    for (int i = 0; i < sum.length; i++) {
      assertThat(ties[i]).isCloseTo(sum[i], within(1e-5f));
    }
  }

  @Test
  void tiesElectsSignsByMassAndAveragesOnlyTheAgreeingEntries() {
    float[][] deltas = {
      {3f, -1f, 2f, 2f},
      {-1f, -1f, 2f, 4f},
      {-1f, 5f, -4f, -1f}
    };
    // coordinate 0: mass +1 elects +, only 3 agrees → 3·K; 1: two negatives but mass +3 elects +,
    // only 5 agrees; 2: mass 0 elects nothing; 3: mass +5, mean of 2 and 4 is 3
    assertThat(merge("ties", Map.of("top-k", "1"), deltas)).containsExactly(9f, 15f, 0f, 9f);
  }

  @Test
  void tiesTrimsEachVectorToItsLargestMagnitudesOverTheWholeVector() {
    float[][] one = {{4f, -3f, 0.5f, -0.1f, 2.5f, 0f, -0.2f, 1f}};
    assertThat(merge("ties", Map.of("top-k", "0.25"), one))
        .containsExactly(4f, -3f, 0f, 0f, 0f, 0f, 0f, 0f);
    assertThat(merge("ties", Map.of("top-k", "0.5"), one))
        .containsExactly(4f, -3f, 0f, 0f, 2.5f, 0f, 0f, 1f);
    // trimming comes before the election: untrimmed, coordinate 0 has mass +0.2 and elects + (mean
    // 0.6);
    // trimmed, only the -1 is left there
    float[][] three = {{-1f, 0f, 0f, 0f}, {0.6f, 0.7f, 0.8f, 2f}, {0.6f, 0.7f, 0.8f, 3f}};
    assertThat(merge("ties", Map.of("top-k", "0.25"), three)).containsExactly(-3f, 0f, 0f, 7.5f);
    assertThat(merge("ties", Map.of("top-k", "1"), three)[0]).isCloseTo(1.8f, within(1e-6f));
  }

  @Test
  void dareWithoutDropsIsTaskArithmeticBitForBit() {
    float[][] deltas = gaussian(4, 300, 5);
    assertThat(merge("dare", Map.of("drop-rate", "0"), deltas)).containsExactly(plainSum(deltas));
  }

  @Test
  void dareDropsAboutPAndRescalesTheRestDeterministically() {
    float[] tau = gaussian(1, 4000, 6)[0];
    float[] once = merge("dare", Map.of("drop-rate", "0.75"), new float[][] {tau});
    int kept = 0;
    for (int i = 0; i < tau.length; i++) {
      if (once[i] != 0f) {
        kept += 1;
        assertThat(once[i]).isEqualTo((float) (tau[i] / 0.25));
      }
    }
    assertThat(kept).isBetween(900, 1100);
    assertThat(merge("dare", Map.of("drop-rate", "0.75"), new float[][] {tau}))
        .containsExactly(once);
    MergeStrategy dare = MergeStrategies.get("dare");
    float[] otherSeed =
        StrategyMerge.merge(
            dare,
            Params.parse(dare, Map.of("drop-rate", "0.75")),
            new float[][] {tau},
            new long[] {1},
            SEED + 1);
    assertThat(otherSeed).isNotEqualTo(once);
  }

  @Test
  void dareIsUnbiasedOverSeeds() {
    float[][] deltas = gaussian(2, 50, 8);
    float[] sum = plainSum(deltas);
    MergeStrategy dare = MergeStrategies.get("dare");
    Params params = Params.parse(dare, Map.of("drop-rate", "0.5"));
    double[] mean = new double[sum.length];
    int seeds = 4000;
    for (long seed = 0; seed < seeds; seed++) {
      float[] merged = StrategyMerge.merge(dare, params, deltas, new long[] {1, 1}, seed);
      for (int i = 0; i < mean.length; i++) {
        mean[i] += merged[i] / (double) seeds;
      }
    }
    // one entry's drop estimate has std |τ|·sqrt(p/(1−p)) = |τ|; over 4000 seeds about 0.016·|τ|
    for (int i = 0; i < sum.length; i++) {
      double sd =
          Math.sqrt(deltas[0][i] * deltas[0][i] + deltas[1][i] * deltas[1][i]) / Math.sqrt(seeds);
      assertThat(mean[i]).as("coordinate %d", i).isCloseTo(sum[i], within(5 * sd + 1e-6));
    }
  }

  @Test
  void dareMasksOfAHospitalDoNotDependOnTheOtherHospitals() {
    MergeStrategy dare = MergeStrategies.get("dare");
    Params params = Params.parse(dare, Map.of("drop-rate", "0.5"));
    float[] a = gaussian(1, 400, 9)[0];
    float[] zero = new float[a.length];
    float[] alone =
        StrategyMerge.merge(dare, params, List.of("a"), new long[] {1}, new float[][] {a}, SEED);
    float[] withB =
        StrategyMerge.merge(
            dare, params, List.of("b", "a"), new long[] {1, 1}, new float[][] {zero, a}, SEED);
    assertThat(withB).containsExactly(alone);
  }

  @Test
  void medianIsRobustToOneExtremeVectorWhileTheSumIsNot() {
    float[][] deltas = gaussian(5, 400, 10);
    float[] tau = deltas[0].clone();
    Random noise = new Random(11);
    for (int j = 0; j < 4; j++) {
      for (int i = 0; i < tau.length; i++) {
        deltas[j][i] = tau[i] * (1 + 0.01f * (float) noise.nextGaussian());
      }
    }
    for (int i = 0; i < tau.length; i++) {
      deltas[4][i] = 1000 * tau[i];
    }
    double tauNorm = norm(scaled(tau, 5));
    assertThat(distance(merge("median", Map.of(), deltas), scaled(tau, 5)) / tauNorm)
        .isLessThan(0.05);
    assertThat(
            distance(merge("trimmed-mean", Map.of("trim", "0.2"), deltas), scaled(tau, 5))
                / tauNorm)
        .isLessThan(0.05);
    assertThat(distance(merge("task-arithmetic", Map.of(), deltas), scaled(tau, 5)) / tauNorm)
        .isGreaterThan(100);
  }

  @Test
  void medianAndTrimmedMeanOnAHandExample() {
    float[][] deltas = {{1f, -3f}, {2f, 0f}, {3f, 1f}, {100f, 2f}};
    // medians 2.5 and 0.5; trimming one value from each end averages the same middle pair
    assertThat(merge("median", Map.of(), deltas)).containsExactly(10f, 2f);
    assertThat(merge("trimmed-mean", Map.of("trim", "0.25"), deltas)).containsExactly(10f, 2f);
    assertThat(merge("median", Map.of(), new float[][] {{1f}, {7f}, {2f}})).containsExactly(6f);
  }

  @Test
  void trimmedMeanWithoutTrimmingIsThePlainSum() {
    float[][] deltas = gaussian(4, 300, 12);
    float[] trimmed = merge("trimmed-mean", Map.of("trim", "0"), deltas);
    float[] sum = plainSum(deltas);
    for (int i = 0; i < sum.length; i++) {
      assertThat(trimmed[i]).isCloseTo(sum[i], within(1e-5f));
    }
    // β·K below one trims nothing either
    assertThat(merge("trimmed-mean", Map.of("trim", "0.2"), deltas)).containsExactly(trimmed);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"task-arithmetic", "weighted-sum", "ties", "dare", "median", "trimmed-mean"})
  void resultDoesNotDependOnTheOrderVectorsAreGivenIn(String name) {
    MergeStrategy s = MergeStrategies.get(name);
    Params params = Params.defaults(s);
    float[][] d = gaussian(4, 300, 13);
    long[] n = {10, 20, 30, 45};
    float[] forward = StrategyMerge.merge(s, params, List.of("a", "b", "c", "d"), n, d, SEED);
    float[] backward =
        StrategyMerge.merge(
            s,
            params,
            List.of("d", "c", "b", "a"),
            new long[] {45, 30, 20, 10},
            new float[][] {d[3], d[2], d[1], d[0]},
            SEED);
    assertThat(backward).containsExactly(forward);
  }

  @Test
  void badInputsAreRefused() {
    MergeStrategy sum = MergeStrategies.get("task-arithmetic");
    float[][] nan = {{1f, Float.NaN}};
    assertThatThrownBy(
            () ->
                StrategyMerge.merge(
                    sum, Params.defaults(sum), List.of("x"), new long[] {1}, nan, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot merge the data vector of hospital x: element 1 is NaN");
    assertThatThrownBy(
            () ->
                StrategyMerge.merge(
                    sum,
                    Params.defaults(MergeStrategies.get("median")),
                    new float[][] {{1f}},
                    new long[] {1},
                    1))
        .hasMessage("Cannot merge with task-arithmetic: parameters belong to strategy median");
    assertThatThrownBy(
            () ->
                StrategyMerge.merge(
                    sum,
                    Params.defaults(sum),
                    List.of("x", "x"),
                    new long[] {1, 1},
                    new float[][] {{1f}, {2f}},
                    1))
        .hasMessage("Cannot merge: two vectors claim hospital x");
    assertThatThrownBy(
            () ->
                StrategyMerge.merge(
                    sum,
                    Params.defaults(sum),
                    new float[][] {{1f}, {2f, 3f}},
                    new long[] {1, 1},
                    1))
        .hasMessage("Cannot merge: vectors of different lengths (2 and 1)");
    assertThatThrownBy(
            () -> StrategyMerge.merge(sum, Params.defaults(sum), new float[0][], new long[0], 1))
        .hasMessage(
            "Cannot merge: 0 vectors, 0 hospital ids and 0 example counts"
                + " (need the same number, at least one)");
    assertThatThrownBy(
            () ->
                StrategyMerge.merge(
                    sum, Params.defaults(sum), new float[][] {{1f}}, new long[] {0}, 1))
        .hasMessage("Cannot merge: hospital h000000 has 0 training examples");
  }

  static float[] scaled(float[] v, float s) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = s * v[i];
    }
    return out;
  }

  static double norm(float[] v) {
    return distance(v, new float[v.length]);
  }

  static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    }
    return Math.sqrt(sum);
  }
}
