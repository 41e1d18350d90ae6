package io.medvec.core.merge.strategy;

import java.util.List;

/**
 * TIES-merging: Yadav, Tam, Choshen, Raffel, Bansal, "TIES-Merging: Resolving Interference When
 * Merging Models", NeurIPS 2023, arXiv:2306.01708. Trim each vector to its top-k % magnitudes
 * ({@link MagnitudeTrim}), elect each coordinate's sign by total mass ({@link
 * Consensus#SIGN_BY_MASS}), then take the disjoint mean of the agreeing entries.
 *
 * <p>Scale: sum-like, K × the disjoint mean; the paper's θ_pre + λ·τ_m with λ = 1 is our λ = 1/K.
 * With top-k = 1 and signs that agree everywhere the result is K × the mean, i.e. the sum.
 */
final class TiesMerging extends MergeStrategy {

  static final ParamSpec TOP_K =
      new ParamSpec(
          "top-k",
          0.2,
          0,
          false,
          1,
          true,
          "fraction of each vector's entries kept, by largest magnitude over the whole vector");

  TiesMerging() {
    super(
        "ties",
        "Yadav et al. 2023, TIES-Merging: Resolving Interference When Merging Models, arXiv:2306.01708",
        List.of(TOP_K));
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    return new Recipe(
        new MagnitudeTrim(params.value(TOP_K)), Consensus.SIGN_BY_MASS, Aggregator.disjointMean());
  }
}
