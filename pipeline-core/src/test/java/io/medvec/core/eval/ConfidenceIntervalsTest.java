package io.medvec.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.eval.ConfidenceIntervals.Interval;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConfidenceIntervalsTest {

  static ScoreSet binary(int n, double separation, long seed, boolean coarse) {
    SplittableRandom r = new SplittableRandom(seed);
    ScoreSet s = new ScoreSet(2);
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(3) == 0 ? 1 : 0;
      double x = r.nextGaussian() + separation * label;
      float p = (float) (1 / (1 + Math.exp(-x)));
      if (coarse) {
        p = Math.round(p * 10) / 10f; // many ties
      }
      s.add(label, new float[] {1 - p, p});
    }
    return s;
  }

  /** DeLong's variance from its definition: ψ over every positive/negative pair, O(m·n). */
  static double[] naiveDelong(ScoreSet s) {
    int m = 0;
    for (int i = 0; i < s.size(); i++) {
      m += s.label(i);
    }
    int n = s.size() - m;
    double[] x = new double[m];
    double[] y = new double[n];
    int p = 0;
    int q = 0;
    for (int i = 0; i < s.size(); i++) {
      if (s.label(i) == 1) {
        x[p++] = s.score(i, 1);
      } else {
        y[q++] = s.score(i, 1);
      }
    }
    double[] v10 = new double[m];
    double[] v01 = new double[n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double psi = x[i] > y[j] ? 1 : x[i] == y[j] ? 0.5 : 0;
        v10[i] += psi / n;
        v01[j] += psi / m;
      }
    }
    double auc = 0;
    for (double v : v10) {
      auc += v / m;
    }
    double s10 = 0;
    for (double v : v10) {
      s10 += (v - auc) * (v - auc) / (m - 1);
    }
    double s01 = 0;
    for (double v : v01) {
      s01 += (v - auc) * (v - auc) / (n - 1);
    }
    return new double[] {auc, Math.sqrt(s10 / m + s01 / n)};
  }

  @Test
  void delongEqualsItsDefinitionWithAndWithoutTies() {
    for (boolean coarse : new boolean[] {false, true}) {
      ScoreSet s = binary(400, 1.2, coarse ? 2 : 1, coarse);
      double[] naive = naiveDelong(s);
      Interval ci = ConfidenceIntervals.auc(s, 0.95, 0);
      assertThat(ci.method()).isEqualTo("delong");
      assertThat((ci.low() + ci.high()) / 2)
          .isCloseTo(ClassificationMetrics.macroOvrAuc(s), within(1e-12));
      assertThat(naive[0]).isCloseTo(ClassificationMetrics.macroOvrAuc(s), within(1e-12));
      assertThat((ci.high() - ci.low()) / 2).isCloseTo(1.959963985 * naive[1], within(1e-8));
    }
  }

  @Test
  void normalQuantileAndWilsonMatchPublishedValues() {
    assertThat(ConfidenceIntervals.normalQuantile(0.975))
        .isCloseTo(1.959963984540054, within(1e-8));
    assertThat(ConfidenceIntervals.normalQuantile(0.995)).isCloseTo(2.5758293035489, within(1e-8));
    assertThat(ConfidenceIntervals.normalQuantile(0.001))
        .isCloseTo(-3.090232306167813, within(1e-8));
    // Wilson 95 % for 8 of 10 (Newcombe 1998, Table I: 0.4902 – 0.9433)
    Interval w = ConfidenceIntervals.wilson(8, 10, 0.95);
    assertThat(w.low()).isCloseTo(0.4902, within(1e-4));
    assertThat(w.high()).isCloseTo(0.9433, within(1e-4));
    // 0 of 10: the interval starts at 0 (Newcombe: 0 – 0.2775)
    assertThat(ConfidenceIntervals.wilson(0, 10, 0.95).high()).isCloseTo(0.2775, within(1e-4));
  }

  @Test
  void bootstrapIsSeededContainsTheEstimateAndNarrowsWithMoreData() {
    SplittableRandom r = new SplittableRandom(3);
    ScoreSet small = new ScoreSet(3);
    ScoreSet large = new ScoreSet(3);
    for (int i = 0; i < 1200; i++) {
      int label = r.nextInt(3);
      float[] p = {0.2f, 0.2f, 0.2f};
      p[label] += (float) r.nextDouble() * 0.6f;
      p[r.nextInt(3)] += 0.3f;
      large.add(label, p);
      if (i < 150) {
        small.add(label, p);
      }
    }
    Interval a = ConfidenceIntervals.auc(small, 0.95, 11);
    assertThat(a).isEqualTo(ConfidenceIntervals.auc(small, 0.95, 11));
    assertThat(a.method()).isEqualTo("bootstrap");
    double auc = ClassificationMetrics.macroOvrAuc(small);
    assertThat(auc).isBetween(a.low(), a.high());
    Interval b = ConfidenceIntervals.auc(large, 0.95, 11);
    assertThat(b.high() - b.low()).isLessThan((a.high() - a.low()) * 0.6);
    Interval f1 = ConfidenceIntervals.macroF1(small, 0.95, 11);
    assertThat(ClassificationMetrics.macroF1(ClassificationMetrics.confusion(small)))
        .isBetween(f1.low(), f1.high());
    Interval acc = ConfidenceIntervals.accuracy(small, 0.95);
    assertThat(acc.method()).isEqualTo("wilson");
  }

  @Test
  void undefinedAndInvalidCases() {
    ScoreSet one = new ScoreSet(2);
    one.add(1, new float[] {0.3f, 0.7f});
    one.add(1, new float[] {0.4f, 0.6f});
    assertThat(ConfidenceIntervals.auc(one, 0.95, 0).low()).isNaN();
    assertThatThrownBy(() -> ConfidenceIntervals.auc(one, 1.0, 0))
        .hasMessage("Cannot compute confidence interval: level must be in (0, 1) (1.0)");
  }
}
