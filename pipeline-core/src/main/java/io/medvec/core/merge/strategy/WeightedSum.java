package io.medvec.core.merge.strategy;

import java.util.List;

/**
 * Example-count-weighted sum: τ_mix = Σ_j w_j·τ_j with w_j = K·n_j / Σ_i n_i, where n_j is the
 * number of training examples in hospital j's manifest — the weighting of federated averaging
 * (McMahan et al., "Communication-Efficient Learning of Deep Networks from Decentralized Data",
 * AISTATS 2017, arXiv:1602.05629), applied once to data vectors.
 *
 * <p>Scale: sum-like, the weights sum to K; with equal counts every w_j is exactly 1 and the result
 * equals task arithmetic bit for bit.
 */
final class WeightedSum extends MergeStrategy {

  WeightedSum() {
    super(
        "weighted-sum",
        "McMahan et al. 2017, Communication-Efficient Learning of Deep Networks from Decentralized Data,"
            + " arXiv:1602.05629",
        List.of());
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    long[] n = cohort.examples();
    double total = 0;
    for (long count : n) {
      total += count;
    }
    float[] weights = new float[n.length];
    for (int j = 0; j < n.length; j++) {
      weights[j] = (float) (n.length * (double) n[j] / total);
    }
    return new Recipe(Sparsifier.NONE, Consensus.NONE, Aggregator.weightedSum(weights));
  }
}
