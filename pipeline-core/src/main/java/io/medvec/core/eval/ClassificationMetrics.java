package io.medvec.core.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accuracy, ROC AUC, confusion matrix, macro F1 and log-loss of a {@link ScoreSet}.
 *
 * <p>Every result depends only on the multiset of examples, never on the order in which they were
 * added or merged: AUC sorts the scores and gives tied scores their average rank, counts are
 * integers, and the predicted class is the argmax with ties broken towards the lowest class index.
 */
public final class ClassificationMetrics {

  private ClassificationMetrics() {}

  /** Computes all metrics; fails on an empty set, for which none is defined. */
  public static Metrics compute(ScoreSet scores) {
    checkScores(scores, "compute metrics");
    if (scores.size() == 0) {
      throw new IllegalArgumentException("Cannot compute metrics: score set is empty");
    }
    long[][] confusion = confusion(scores);
    long correct = 0;
    for (int cls = 0; cls < confusion.length; cls += 1) {
      correct += confusion[cls][cls];
    }
    double accuracy = (double) correct / scores.size();
    return new Metrics(scores.size(), accuracy, macroOvrAuc(scores), macroF1(confusion), confusion);
  }

  /**
   * Probabilities below this are clipped before the logarithm, so one confident miss stays finite.
   */
  public static final double LOG_LOSS_FLOOR = 1e-7;

  /** How far a row's probabilities may sum from 1 before {@link #logLoss} refuses it. */
  public static final double PROBABILITY_SUM_TOLERANCE = 1e-3;

  /**
   * Mean cross-entropy −(1/n)·Σ ln p(label): the proper scoring rule that, unlike AUC and accuracy,
   * still separates models whose rankings are already near perfect. Each row must be a probability
   * distribution (non-negative, summing to 1 within {@value #PROBABILITY_SUM_TOLERANCE});
   * probabilities are clipped below at {@value #LOG_LOSS_FLOOR}.
   */
  public static double logLoss(ScoreSet scores) {
    checkScores(scores, "compute log-loss");
    if (scores.size() == 0) {
      throw new IllegalArgumentException("Cannot compute log-loss: score set is empty");
    }
    double total = 0;
    for (int row = 0; row < scores.size(); row += 1) {
      double sum = 0;
      for (int cls = 0; cls < scores.numClasses(); cls += 1) {
        float p = scores.score(row, cls);
        if (p < 0) {
          throw new IllegalArgumentException(
              String.format(
                  "Cannot compute log-loss: example %d has a negative probability for class %d (%s)",
                  row, cls, p));
        }
        sum += p;
      }
      if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot compute log-loss: probabilities of example %d sum to %s, not 1 (scores are not softmax outputs)",
                row, sum));
      }
      total -= Math.log(Math.max(LOG_LOSS_FLOOR, scores.score(row, scores.label(row))));
    }
    return total / scores.size();
  }

  /**
   * ROC AUC of {@code scores} for the positives flagged 1 (others 0): the Mann–Whitney U statistic
   * over (#positives × #negatives), counting a tied positive/negative pair as 1/2 (the average-rank
   * rule). Returns NaN when there is no positive or no negative. Negative zero ties with zero; NaN
   * scores are rejected.
   */
  public static double binaryAuc(int[] positiveFlags, double[] scores) {
    if (positiveFlags == null || scores == null) {
      throw new IllegalArgumentException("Cannot compute AUC: flags or scores are null");
    }
    if (positiveFlags.length != scores.length) {
      throw new IllegalArgumentException(
          String.format(
              "Cannot compute AUC: %d flags but %d scores", positiveFlags.length, scores.length));
    }
    int positives = 0;
    for (int i = 0; i < positiveFlags.length; i += 1) {
      checkFlagAndScore(i, positiveFlags[i], scores[i]);
      positives += positiveFlags[i];
    }
    double[] pos = new double[positives];
    double[] neg = new double[scores.length - positives];
    int p = 0;
    int q = 0;
    for (int i = 0; i < scores.length; i += 1) {
      // adding 0.0 turns -0.0 into 0.0 so that the sort below sees them as ties
      if (positiveFlags[i] == 1) {
        pos[p++] = scores[i] + 0.0;
      } else {
        neg[q++] = scores[i] + 0.0;
      }
    }
    return sortedAuc(pos, neg);
  }

  /**
   * Macro one-vs-rest ROC AUC. With 2 classes this is the AUC of the class-1 score against label 1.
   * With more classes it is the unweighted mean, over classes, of the AUC of that class's score for
   * "label == class" versus the rest; classes that never occur as a label are skipped (their AUC is
   * undefined), as are classes that are the only label present. Returns NaN when no class has both
   * positives and negatives.
   */
  public static double macroOvrAuc(ScoreSet scores) {
    checkScores(scores, "compute AUC");
    if (scores.numClasses() == 2) {
      return classAuc(scores, 1);
    }
    double sum = 0;
    int defined = 0;
    for (int cls = 0; cls < scores.numClasses(); cls += 1) {
      double auc = classAuc(scores, cls);
      if (!Double.isNaN(auc)) {
        sum += auc;
        defined += 1;
      }
    }
    return defined == 0 ? Double.NaN : sum / defined;
  }

  /** Confusion counts [true class][predicted class], predicted = argmax (lowest index on ties). */
  public static long[][] confusion(ScoreSet scores) {
    checkScores(scores, "compute confusion matrix");
    int k = scores.numClasses();
    long[][] counts = new long[k][k];
    for (int row = 0; row < scores.size(); row += 1) {
      counts[scores.label(row)][argmax(scores, row)] += 1;
    }
    return counts;
  }

  /**
   * Unweighted mean over all classes of F1 = 2·TP / (2·TP + FP + FN). A class with no support and
   * no predictions has F1 = 0 and still counts in the mean, like scikit-learn's {@code
   * f1_score(average="macro", labels=range(k), zero_division=0)}.
   */
  public static double macroF1(long[][] confusion) {
    long[][] counts = copySquare(confusion);
    int k = counts.length;
    if (k == 0) {
      throw new IllegalArgumentException("Cannot compute macro F1: confusion matrix is empty");
    }
    double sum = 0;
    for (int cls = 0; cls < k; cls += 1) {
      long truePositives = counts[cls][cls];
      long rowTotal = 0;
      long columnTotal = 0;
      for (int other = 0; other < k; other += 1) {
        rowTotal += counts[cls][other];
        columnTotal += counts[other][cls];
      }
      long denominator = rowTotal + columnTotal;
      sum += denominator == 0 ? 0.0 : 2.0 * truePositives / denominator;
    }
    return sum / k;
  }

  /** Precision, recall and F1 of every class, in class order; their F1 mean is {@link #macroF1}. */
  public static List<ClassMetrics> perClass(long[][] confusion) {
    long[][] counts = copySquare(confusion);
    List<ClassMetrics> classes = new ArrayList<>();
    for (int cls = 0; cls < counts.length; cls += 1) {
      long truePositives = counts[cls][cls];
      long support = 0;
      long predicted = 0;
      for (int other = 0; other < counts.length; other += 1) {
        support += counts[cls][other];
        predicted += counts[other][cls];
      }
      classes.add(
          new ClassMetrics(
              cls,
              support,
              ratio(truePositives, predicted),
              ratio(truePositives, support),
              ratio(2 * truePositives, support + predicted)));
    }
    return classes;
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0.0 : (double) numerator / denominator;
  }

  static long[][] copySquare(long[][] matrix) {
    if (matrix == null) {
      throw new IllegalArgumentException("Cannot use confusion matrix: it is null");
    }
    long[][] copy = new long[matrix.length][];
    for (int row = 0; row < matrix.length; row += 1) {
      if (matrix[row] == null || matrix[row].length != matrix.length) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot use confusion matrix: row %d is not of length %d", row, matrix.length));
      }
      for (long count : matrix[row]) {
        if (count < 0) {
          throw new IllegalArgumentException(
              String.format(
                  "Cannot use confusion matrix: negative count in row %d (%d)", row, count));
        }
      }
      copy[row] = matrix[row].clone();
    }
    return copy;
  }

  private static double classAuc(ScoreSet scores, int cls) {
    int positives = 0;
    for (int row = 0; row < scores.size(); row += 1) {
      positives += scores.label(row) == cls ? 1 : 0;
    }
    double[] pos = new double[positives];
    double[] neg = new double[scores.size() - positives];
    int p = 0;
    int q = 0;
    for (int row = 0; row < scores.size(); row += 1) {
      double score = scores.score(row, cls) + 0.0;
      if (scores.label(row) == cls) {
        pos[p++] = score;
      } else {
        neg[q++] = score;
      }
    }
    return sortedAuc(pos, neg);
  }

  /** Sorts both arrays in place and returns U / (|pos|·|neg|), ties counting 1/2. */
  private static double sortedAuc(double[] pos, double[] neg) {
    if (pos.length == 0 || neg.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(pos);
    Arrays.sort(neg);
    // twice U, kept in a long so that the statistic is exact before the one final division
    long twiceU = 0;
    int below = 0;
    int upTo = 0;
    for (double score : pos) {
      while (below < neg.length && neg[below] < score) {
        below += 1;
      }
      upTo = Math.max(upTo, below);
      while (upTo < neg.length && neg[upTo] == score) {
        upTo += 1;
      }
      twiceU += 2L * below + (upTo - below);
    }
    return twiceU / (2.0 * pos.length * neg.length);
  }

  private static int argmax(ScoreSet scores, int row) {
    int best = 0;
    for (int cls = 1; cls < scores.numClasses(); cls += 1) {
      if (scores.score(row, cls) > scores.score(row, best)) {
        best = cls;
      }
    }
    return best;
  }

  private static void checkFlagAndScore(int index, int flag, double score) {
    if (flag != 0 && flag != 1) {
      throw new IllegalArgumentException(
          String.format("Cannot compute AUC: flag %d must be 0 or 1 (%d)", index, flag));
    }
    if (Double.isNaN(score)) {
      throw new IllegalArgumentException(
          String.format("Cannot compute AUC: score %d is NaN", index));
    }
  }

  private static void checkScores(ScoreSet scores, String action) {
    if (scores == null) {
      throw new IllegalArgumentException("Cannot " + action + ": score set is null");
    }
  }
}
