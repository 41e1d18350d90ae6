package io.medvec.core.vector;

/** Which entries of a DL4J parameter table a vector covers. */
public enum ParamKind {
  /** Everything gradient descent changes: weights, biases, batch-norm gamma and beta. */
  TRAINABLE,
  /** Batch-norm running mean and variance: data statistics, not learned weights. */
  BN_STATISTIC,
  /**
   * Every parameter of a frozen layer, its batch-norm statistics included: fixed to θ_pre, so in
   * neither a data vector nor its batch-norm statistics.
   */
  FROZEN
}
