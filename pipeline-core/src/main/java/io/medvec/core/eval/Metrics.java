package io.medvec.core.eval;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Classification metrics of one evaluation.
 *
 * @param n number of examples
 * @param accuracy fraction of examples whose argmax class equals the label
 * @param auc macro one-vs-rest ROC AUC, see {@link ClassificationMetrics#macroOvrAuc}; NaN when
 *     undefined
 * @param macroF1 unweighted mean of per-class F1, see {@link ClassificationMetrics#macroF1}
 * @param confusion counts indexed [true class][predicted class]; copied in and out
 */
public record Metrics(long n, double accuracy, double auc, double macroF1, long[][] confusion)
    implements Serializable {

  public Metrics {
    if (n < 0) {
      throw new IllegalArgumentException(
          "Cannot create metrics: negative example count (" + n + ")");
    }
    if (confusion == null) {
      throw new IllegalArgumentException("Cannot create metrics: confusion matrix is null");
    }
    confusion = ClassificationMetrics.copySquare(confusion);
  }

  @Override
  public long[][] confusion() {
    return ClassificationMetrics.copySquare(confusion);
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof Metrics that)) {
      return false;
    }
    return n == that.n
        && Double.compare(accuracy, that.accuracy) == 0
        && Double.compare(auc, that.auc) == 0
        && Double.compare(macroF1, that.macroF1) == 0
        && Arrays.deepEquals(confusion, that.confusion);
  }

  @Override
  public int hashCode() {
    int hash = Long.hashCode(n);
    hash = 31 * hash + Double.hashCode(accuracy);
    hash = 31 * hash + Double.hashCode(auc);
    hash = 31 * hash + Double.hashCode(macroF1);
    return 31 * hash + Arrays.deepHashCode(confusion);
  }

  @Override
  public String toString() {
    return String.format(
        "Metrics{n=%d, accuracy=%s, auc=%s, macroF1=%s, confusion=%s}",
        n, accuracy, auc, macroF1, Arrays.deepToString(confusion));
  }
}
