package io.medvec.core.merge.strategy;

import java.util.Arrays;
import java.util.List;

/**
 * Task arithmetic: τ_mix = Σ_j τ_j, the merge of the data-vector paper (arXiv:2408.13038) and of
 * Ilharco et al., "Editing Models with Task Arithmetic", ICLR 2023, arXiv:2212.04089.
 *
 * <p>Scale: the sum itself (λ = 1/K gives the parameter average). Bit for bit the same as {@link
 * io.medvec.core.merge.VectorSum}.
 */
final class TaskArithmetic extends MergeStrategy {

  static final String NAME = "task-arithmetic";

  TaskArithmetic() {
    super(
        NAME,
        "Ilharco et al. 2023, Editing Models with Task Arithmetic, arXiv:2212.04089",
        List.of());
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    float[] ones = new float[cohort.size()];
    Arrays.fill(ones, 1f);
    return new Recipe(Sparsifier.NONE, Consensus.NONE, Aggregator.weightedSum(ones));
  }
}
