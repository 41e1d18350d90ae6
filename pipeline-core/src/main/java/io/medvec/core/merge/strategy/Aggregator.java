package io.medvec.core.merge.strategy;

import java.util.Arrays;

/**
 * Combines one coordinate's K values (hospital-id order) into τ_mix's value there, on the sum-like
 * scale: mean-type aggregates are multiplied by K.
 */
interface Aggregator {

  /** Combines {@code column}; may reorder it. */
  float combine(float[] column);

  /**
   * The weights of a linear aggregate Σ_j w_j·v_j, or null if this aggregate is not linear. A
   * linear aggregate without consensus can be accumulated one vector at a time.
   */
  default float[] linearWeights() {
    return null;
  }

  /**
   * Σ_j w_j·v_j accumulated in float in hospital order, so that unit weights reproduce {@link
   * io.medvec.core.merge.VectorSum} bit for bit.
   */
  static Aggregator weightedSum(float[] weights) {
    float[] w = weights.clone();
    return new Aggregator() {
      @Override
      public float combine(float[] column) {
        float acc = 0f;
        for (int j = 0; j < column.length; j++) {
          acc += w[j] * column[j];
        }
        return acc;
      }

      @Override
      public float[] linearWeights() {
        return w.clone();
      }
    };
  }

  /** K × the mean of the non-zero values (TIES' disjoint mean); 0 where all are zero. */
  static Aggregator disjointMean() {
    return column -> {
      double sum = 0;
      int count = 0;
      for (float v : column) {
        if (v != 0f) {
          sum += v;
          count += 1;
        }
      }
      return count == 0 ? 0f : (float) (sum * column.length / count);
    };
  }

  /** K × the median (mean of the two middle values when K is even). */
  static Aggregator median() {
    return column -> {
      Arrays.sort(column);
      int k = column.length;
      double median = k % 2 == 1 ? column[k / 2] : ((double) column[k / 2 - 1] + column[k / 2]) / 2;
      return (float) (median * k);
    };
  }

  /** K × the mean after dropping ⌊β·K⌋ smallest and as many largest values (β &lt; 1/2). */
  static Aggregator trimmedMean(double beta) {
    if (!(beta >= 0 && beta < 0.5)) {
      throw new IllegalArgumentException(
          "Cannot trim a mean: fraction must be in [0, 0.5) (" + beta + ")");
    }
    return column -> {
      Arrays.sort(column);
      int k = column.length;
      int trim = (int) Math.floor(beta * k);
      double sum = 0;
      for (int j = trim; j < k - trim; j++) {
        sum += column[j];
      }
      return (float) (sum * k / (k - 2 * trim));
    };
  }
}
