package io.medvec.core.restore;

/** Where a merged model's batch-norm running statistics come from. */
public enum BnStatsMode {
  /** Recomputed by forward passes over the coordinator's public pool (the paper's choice). */
  RESTORE,
  /** The hospitals' published statistics, pooled as an example-weighted mixture of moments. */
  AVERAGE,
  /** Left as θ_pre's statistics (the ablation: no restoration). */
  PRETRAINED
}
