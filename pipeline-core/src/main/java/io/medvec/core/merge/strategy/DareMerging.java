package io.medvec.core.merge.strategy;

import java.util.Arrays;
import java.util.List;

/**
 * DARE: Yu, Yu, Yu, Huang, Li, "Language Models are Super Mario: Absorbing Abilities from
 * Homologous Models as a Free Lunch", ICML 2024, arXiv:2311.03099. Drop each entry of each vector
 * with probability p and rescale the survivors by 1/(1 − p) ({@link RandomDrop}), then add the
 * vectors as task arithmetic does.
 *
 * <p>Scale: sum-like; E[τ_mix] = Σ τ_j. Randomness comes from the merge seed and is fixed per
 * (seed, hospital, coordinate). With p = 0 the result is task arithmetic's bit for bit.
 */
final class DareMerging extends MergeStrategy {

  static final ParamSpec DROP_RATE =
      new ParamSpec(
          "drop-rate",
          0.5,
          0,
          true,
          1,
          false,
          "probability of dropping each entry of each vector; survivors are scaled by 1/(1 - drop-rate)");

  DareMerging() {
    super(
        "dare",
        "Yu et al. 2024, Language Models are Super Mario: Absorbing Abilities from Homologous Models"
            + " as a Free Lunch, arXiv:2311.03099",
        List.of(DROP_RATE));
  }

  @Override
  Recipe recipe(Params params, Cohort cohort) {
    float[] ones = new float[cohort.size()];
    Arrays.fill(ones, 1f);
    return new Recipe(
        new RandomDrop(params.value(DROP_RATE), cohort.seed(), cohort.hospitals()),
        Consensus.NONE,
        Aggregator.weightedSum(ones));
  }
}
