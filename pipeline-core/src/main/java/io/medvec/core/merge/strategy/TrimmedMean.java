package io.medvec.core.merge.strategy;

import java.util.List;

/**
 * Coordinate-wise trimmed mean: Yin, Chen, Ramchandran, Bartlett, "Byzantine-Robust Distributed
 * Learning: Towards Optimal Statistical Rates", ICML 2018, arXiv:1803.01498. Per coordinate, drops
 * the ⌊β·K⌋ smallest and ⌊β·K⌋ largest values and averages the rest.
 *
 * <p>Scale: sum-like, K × the trimmed mean; with β = 0 it is the plain sum (added in sorted order,
 * so it may differ from task arithmetic in the last bit). With K = 4 and the default β = 0.25 one
 * value is trimmed from each end.
 */
final class TrimmedMean extends MergeStrategy {

  static final ParamSpec TRIM =
      new ParamSpec(
          "trim",
          0.25,
          0,
          true,
          0.5,
          false,
          "fraction beta of the K values dropped from each end of every coordinate (floor(beta*K) each)");

  TrimmedMean() {
    super(
        "trimmed-mean",
        "Yin et al. 2018, Byzantine-Robust Distributed Learning: Towards Optimal Statistical"
            + " Rates, arXiv:1803.01498",
        List.of(TRIM));
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    return new Recipe(Sparsifier.NONE, Consensus.NONE, Aggregator.trimmedMean(params.value(TRIM)));
  }
}
