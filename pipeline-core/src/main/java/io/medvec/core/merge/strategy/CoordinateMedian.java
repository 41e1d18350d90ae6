package io.medvec.core.merge.strategy;

import java.util.List;

/**
 * Coordinate-wise median: Yin, Chen, Ramchandran, Bartlett, "Byzantine-Robust Distributed Learning:
 * Towards Optimal Statistical Rates", ICML 2018, arXiv:1803.01498. Robust to a minority of extreme
 * vectors.
 *
 * <p>Scale: sum-like, K × the median (for even K the mean of the two middle values); with K
 * identical vectors it equals their sum.
 */
final class CoordinateMedian extends MergeStrategy {

  CoordinateMedian() {
    super(
        "median",
        "Yin et al. 2018, Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates,"
            + " arXiv:1803.01498",
        List.of());
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    return new Recipe(Sparsifier.NONE, Consensus.NONE, Aggregator.median());
  }
}
