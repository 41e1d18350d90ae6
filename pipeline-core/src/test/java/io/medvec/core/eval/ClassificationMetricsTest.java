package io.medvec.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void perfectRankingHasAucOne() {
    assertThat(
            ClassificationMetrics.binaryAuc(
                new int[] {0, 0, 1, 1}, new double[] {0.1, 0.2, 0.3, 0.9}))
        .isEqualTo(1.0);
  }

  @Test
  void reversedRankingHasAucZero() {
    assertThat(
            ClassificationMetrics.binaryAuc(
                new int[] {1, 1, 0, 0}, new double[] {0.1, 0.2, 0.3, 0.9}))
        .isEqualTo(0.0);
  }

  @Test
  void allTiedScoresHaveAucOneHalf() {
    assertThat(
            ClassificationMetrics.binaryAuc(
                new int[] {1, 0, 1, 0, 0}, new double[] {3, 3, 3, 3, 3}))
        .isEqualTo(0.5);
  }

  @Test
  void negativeZeroTiesWithZero() {
    assertThat(ClassificationMetrics.binaryAuc(new int[] {1, 0}, new double[] {-0.0, 0.0}))
        .isEqualTo(0.5);
  }

  @Test
  void smallExampleWithTiesMatchesPairCounting() {
    int[] flags = {1, 0, 1, 1, 0, 0, 1, 0};
    double[] scores = {0.8, 0.8, 0.4, 0.6, 0.1, 0.6, 0.3, 0.35};
    // 4 positives x 4 negatives; brute force below; by hand: 0.8 beats 3 ties 1, 0.4 beats 2,
    // 0.6 beats 2 ties 1, 0.3 beats 1 -> (3.5 + 2 + 2.5 + 1) / 16
    assertThat(ClassificationMetrics.binaryAuc(flags, scores))
        .isEqualTo(pairCountingAuc(flags, scores))
        .isEqualTo(9.0 / 16.0);
  }

  @Test
  void binaryAucMatchesPairCountingOnRandomDataWithTies() {
    Random random = new Random(7);
    for (int trial = 0; trial < 50; trial += 1) {
      int n = 2 + random.nextInt(200);
      int[] flags = new int[n];
      double[] scores = new double[n];
      for (int i = 0; i < n; i += 1) {
        flags[i] = random.nextInt(3) == 0 ? 1 : 0;
        scores[i] = random.nextInt(10) / 10.0; // coarse values force many ties
      }
      assertThat(ClassificationMetrics.binaryAuc(flags, scores))
          .isCloseTo(pairCountingAuc(flags, scores), within(EPS));
    }
  }

  @Test
  void aucIsNanWhenOneClassIsAbsent() {
    assertThat(ClassificationMetrics.binaryAuc(new int[] {1, 1}, new double[] {0.1, 0.2})).isNaN();
    assertThat(ClassificationMetrics.binaryAuc(new int[] {}, new double[] {})).isNaN();
  }

  @Test
  void binaryAucRejectsBadInput() {
    assertThatThrownBy(() -> ClassificationMetrics.binaryAuc(new int[] {0, 2}, new double[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute AUC: flag 1 must be 0 or 1 (2)");
    assertThatThrownBy(() -> ClassificationMetrics.binaryAuc(new int[] {0}, new double[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute AUC: 1 flags but 2 scores");
    assertThatThrownBy(
            () -> ClassificationMetrics.binaryAuc(new int[] {0, 1}, new double[] {1, Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute AUC: score 1 is NaN");
  }

  @Test
  void twoClassAucUsesClassOneScore() {
    ScoreSet scores = new ScoreSet(2);
    scores.add(0, new float[] {0.9f, 0.1f});
    scores.add(1, new float[] {0.2f, 0.8f});
    scores.add(1, new float[] {0.6f, 0.4f});
    scores.add(0, new float[] {0.5f, 0.5f});
    double expected =
        pairCountingAuc(new int[] {0, 1, 1, 0}, new double[] {0.1f, 0.8f, 0.4f, 0.5f});
    assertThat(ClassificationMetrics.macroOvrAuc(scores)).isEqualTo(expected).isEqualTo(0.75);
  }

  @Test
  void multiClassOvrAucMatchesPairCountingAndSkipsAbsentClasses() {
    Random random = new Random(11);
    int k = 5;
    ScoreSet scores = randomScores(random, k, 300, 3); // labels only in [0, 3): classes 3, 4 absent
    double sum = 0;
    for (int cls = 0; cls < 3; cls += 1) {
      int[] flags = new int[scores.size()];
      double[] classScores = new double[scores.size()];
      for (int row = 0; row < scores.size(); row += 1) {
        flags[row] = scores.label(row) == cls ? 1 : 0;
        classScores[row] = scores.score(row, cls);
      }
      sum += pairCountingAuc(flags, classScores);
    }
    assertThat(ClassificationMetrics.macroOvrAuc(scores)).isCloseTo(sum / 3, within(EPS));
  }

  @Test
  void ovrAucIsNanWhenOnlyOneLabelOccurs() {
    ScoreSet scores = new ScoreSet(3);
    scores.add(2, new float[] {0.1f, 0.2f, 0.7f});
    scores.add(2, new float[] {0.5f, 0.2f, 0.3f});
    assertThat(ClassificationMetrics.macroOvrAuc(scores)).isNaN();
  }

  @Test
  void confusionUsesArgmaxWithLowestIndexOnTies() {
    ScoreSet scores = new ScoreSet(3);
    scores.add(1, new float[] {0.4f, 0.4f, 0.2f}); // tie 0/1 -> predicted 0
    scores.add(2, new float[] {0.1f, 0.3f, 0.3f}); // tie 1/2 -> predicted 1
    scores.add(2, new float[] {0.1f, 0.2f, 0.7f});
    assertThat(ClassificationMetrics.confusion(scores))
        .isEqualTo(new long[][] {{0, 0, 0}, {1, 0, 0}, {0, 1, 1}});
  }

  @Test
  void macroF1MatchesBruteForceOnRandomData() {
    Random random = new Random(3);
    for (int trial = 0; trial < 20; trial += 1) {
      int k = 2 + random.nextInt(5);
      ScoreSet scores = randomScores(random, k, 1 + random.nextInt(100), k);
      assertThat(ClassificationMetrics.macroF1(ClassificationMetrics.confusion(scores)))
          .isCloseTo(bruteForceMacroF1(scores), within(EPS));
    }
  }

  @Test
  void macroF1CountsClassWithoutSupportOrPredictionsAsZero() {
    // class 2 never occurs: classes 0 and 1 are perfect, so the mean is 2/3
    assertThat(ClassificationMetrics.macroF1(new long[][] {{3, 0, 0}, {0, 2, 0}, {0, 0, 0}}))
        .isCloseTo(2.0 / 3.0, within(EPS));
  }

  @Test
  void perClassMetricsOfASmallMatrix() {
    // true 0: 3 right, 1 called 1; true 1: 2 right; nothing of class 2 and never predicted
    List<ClassMetrics> classes =
        ClassificationMetrics.perClass(new long[][] {{3, 1, 0}, {0, 2, 0}, {0, 0, 0}});
    assertThat(classes).extracting(ClassMetrics::label).containsExactly(0, 1, 2);
    assertThat(classes).extracting(ClassMetrics::support).containsExactly(4L, 2L, 0L);
    assertThat(classes.get(0).precision()).isCloseTo(1.0, within(EPS));
    assertThat(classes.get(0).recall()).isCloseTo(0.75, within(EPS));
    assertThat(classes.get(1).precision()).isCloseTo(2.0 / 3.0, within(EPS));
    assertThat(classes.get(1).recall()).isCloseTo(1.0, within(EPS));
    assertThat(classes.get(1).f1()).isCloseTo(0.8, within(EPS));
    assertThat(classes.get(2)).isEqualTo(new ClassMetrics(2, 0, 0.0, 0.0, 0.0));
  }

  @Test
  void perClassF1AveragesToMacroF1() {
    Random random = new Random(5);
    for (int trial = 0; trial < 20; trial += 1) {
      int k = 2 + random.nextInt(5);
      long[][] confusion =
          ClassificationMetrics.confusion(randomScores(random, k, 1 + random.nextInt(100), k));
      double mean =
          ClassificationMetrics.perClass(confusion).stream().mapToDouble(ClassMetrics::f1).sum()
              / k;
      assertThat(mean).isCloseTo(ClassificationMetrics.macroF1(confusion), within(EPS));
    }
  }

  @Test
  void macroF1RejectsNonSquareMatrix() {
    assertThatThrownBy(() -> ClassificationMetrics.macroF1(new long[][] {{1, 2}, {3}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use confusion matrix: row 1 is not of length 2");
    assertThatThrownBy(() -> ClassificationMetrics.macroF1(new long[][] {{1, -2}, {3, 4}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use confusion matrix: negative count in row 0 (-2)");
    assertThatThrownBy(() -> ClassificationMetrics.macroF1(new long[0][]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute macro F1: confusion matrix is empty");
  }

  @Test
  void computeCombinesMetrics() {
    Random random = new Random(5);
    ScoreSet scores = randomScores(random, 4, 200, 4);
    Metrics metrics = ClassificationMetrics.compute(scores);
    long correct = 0;
    for (int row = 0; row < scores.size(); row += 1) {
      correct += scores.label(row) == bruteArgmax(scores, row) ? 1 : 0;
    }
    assertThat(metrics.n()).isEqualTo(200);
    assertThat(metrics.accuracy()).isEqualTo((double) correct / 200);
    assertThat(metrics.auc()).isEqualTo(ClassificationMetrics.macroOvrAuc(scores));
    assertThat(metrics.macroF1()).isCloseTo(bruteForceMacroF1(scores), within(EPS));
    assertThat(metrics.confusion()).isEqualTo(ClassificationMetrics.confusion(scores));
  }

  @Test
  void computeRejectsEmptySet() {
    assertThatThrownBy(() -> ClassificationMetrics.compute(new ScoreSet(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute metrics: score set is empty");
  }

  @Test
  void metricsAreIndependentOfMergeOrder() {
    Random random = new Random(19);
    int k = 4;
    ScoreSet[] parts = new ScoreSet[6];
    for (int i = 0; i < parts.length; i += 1) {
      parts[i] = randomScores(random, k, 10 + random.nextInt(50), k);
    }
    ScoreSet forward = new ScoreSet(k);
    for (ScoreSet part : parts) {
      forward = forward.merge(part);
    }
    // backwards and as a balanced tree, the way a Spark treeReduce may combine partitions
    ScoreSet backward = new ScoreSet(k);
    for (int i = parts.length - 1; i >= 0; i -= 1) {
      backward = parts[i].merge(backward);
    }
    ScoreSet tree =
        parts[4].merge(parts[1]).merge(parts[0].merge(parts[5]).merge(parts[3].merge(parts[2])));
    Metrics expected = ClassificationMetrics.compute(forward);
    assertThat(ClassificationMetrics.compute(backward)).isEqualTo(expected);
    assertThat(ClassificationMetrics.compute(tree)).isEqualTo(expected);
    assertThat(expected.n()).isEqualTo(forward.size());
  }

  static ScoreSet randomScores(Random random, int k, int n, int labelBound) {
    ScoreSet scores = new ScoreSet(k);
    for (int row = 0; row < n; row += 1) {
      float[] probabilities = new float[k];
      for (int cls = 0; cls < k; cls += 1) {
        probabilities[cls] = random.nextInt(8) / 8f; // coarse: ties in ranks and in argmax
      }
      scores.add(random.nextInt(labelBound), probabilities);
    }
    return scores;
  }

  static double pairCountingAuc(int[] flags, double[] scores) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < flags.length; i += 1) {
      for (int j = 0; j < flags.length; j += 1) {
        if (flags[i] == 1 && flags[j] == 0) {
          pairs += 1;
          wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
        }
      }
    }
    return wins / pairs;
  }

  private static int bruteArgmax(ScoreSet scores, int row) {
    int best = 0;
    for (int cls = 0; cls < scores.numClasses(); cls += 1) {
      if (scores.score(row, cls) > scores.score(row, best)) {
        best = cls;
      }
    }
    return best;
  }

  private static double bruteForceMacroF1(ScoreSet scores) {
    double sum = 0;
    for (int cls = 0; cls < scores.numClasses(); cls += 1) {
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int row = 0; row < scores.size(); row += 1) {
        boolean actual = scores.label(row) == cls;
        boolean predicted = bruteArgmax(scores, row) == cls;
        tp += actual && predicted ? 1 : 0;
        fp += !actual && predicted ? 1 : 0;
        fn += actual && !predicted ? 1 : 0;
      }
      double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
      double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
      sum += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
    return sum / scores.numClasses();
  }

  @Test
  void logLossIsTheMeanNegativeLogProbabilityOfTheLabel() {
    ScoreSet scores = new ScoreSet(3);
    scores.add(0, new float[] {0.5f, 0.25f, 0.25f});
    scores.add(2, new float[] {0.1f, 0.1f, 0.8f});
    assertThat(ClassificationMetrics.logLoss(scores))
        .isCloseTo(-(Math.log(0.5) + Math.log(0.8f)) / 2, within(1e-6));
  }

  @Test
  void logLossSeparatesModelsThatRankAlike() {
    ScoreSet confident = new ScoreSet(2);
    ScoreSet hesitant = new ScoreSet(2);
    confident.add(1, new float[] {0.1f, 0.9f});
    confident.add(0, new float[] {0.9f, 0.1f});
    hesitant.add(1, new float[] {0.4f, 0.6f});
    hesitant.add(0, new float[] {0.6f, 0.4f});
    assertThat(ClassificationMetrics.compute(confident).auc())
        .isEqualTo(ClassificationMetrics.compute(hesitant).auc());
    assertThat(ClassificationMetrics.logLoss(confident))
        .isLessThan(ClassificationMetrics.logLoss(hesitant));
  }

  @Test
  void logLossClipsAZeroProbabilityInsteadOfReturningInfinity() {
    ScoreSet scores = new ScoreSet(2);
    scores.add(0, new float[] {0f, 1f});
    assertThat(ClassificationMetrics.logLoss(scores))
        .isCloseTo(-Math.log(ClassificationMetrics.LOG_LOSS_FLOOR), within(1e-9));
  }

  @Test
  void logLossRefusesScoresThatAreNotProbabilities() {
    ScoreSet logits = new ScoreSet(2);
    logits.add(0, new float[] {0.2f, 0.3f});
    logits.add(1, new float[] {2f, 3f});
    assertThatThrownBy(() -> ClassificationMetrics.logLoss(logits))
        .hasMessageContaining("example 0")
        .hasMessageContaining("sum to");
    ScoreSet negative = new ScoreSet(2);
    negative.add(0, new float[] {-0.5f, 1.5f});
    assertThatThrownBy(() -> ClassificationMetrics.logLoss(negative))
        .hasMessageContaining("negative probability for class 0");
    assertThatThrownBy(() -> ClassificationMetrics.logLoss(new ScoreSet(2)))
        .hasMessageContaining("empty");
  }
}
