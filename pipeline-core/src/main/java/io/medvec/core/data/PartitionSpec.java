package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

/**
 * How to split a training set into a public pool and hospitals.
 *
 * @param publicFraction fraction of each class kept in the coordinator's public pool, in [0, 1)
 * @param hospitals number of hospitals K, at least 1
 * @param mode IID or Dirichlet label skew
 * @param alpha Dirichlet concentration, finite and &gt; 0; small values give strong label skew.
 *     Ignored for IID, where it may be {@link Double#NaN} ("not given")
 * @param seed seed of the only random stream used; same seed, same assignment
 * @param minPerHospital fewest examples any hospital may end with, at least 1
 */
public record PartitionSpec(
    double publicFraction,
    int hospitals,
    PartitionMode mode,
    double alpha,
    long seed,
    int minPerHospital) {

  /** Validates every field; messages name the field and its value. */
  public PartitionSpec {
    checkArgument(
        publicFraction >= 0 && publicFraction < 1,
        "Cannot create partition spec: publicFraction must be in [0, 1) (%s)",
        publicFraction);
    checkArgument(
        hospitals >= 1, "Cannot create partition spec: hospitals must be >= 1 (%s)", hospitals);
    checkNotNull(
        mode, "Cannot create partition spec: mode is null, valid values: %s", PartitionMode.ids());
    boolean alphaValid = Double.isFinite(alpha) && alpha > 0;
    checkArgument(
        alphaValid || mode == PartitionMode.IID && Double.isNaN(alpha),
        "Cannot create partition spec: alpha must be finite and > 0 (%s)",
        alpha);
    checkArgument(
        minPerHospital >= 1,
        "Cannot create partition spec: minPerHospital must be >= 1 (%s)",
        minPerHospital);
  }

  /** IID spec without alpha and with at least one example per hospital. */
  public static PartitionSpec iid(double publicFraction, int hospitals, long seed) {
    return new PartitionSpec(publicFraction, hospitals, PartitionMode.IID, Double.NaN, seed, 1);
  }

  /** Dirichlet label-skew spec. */
  public static PartitionSpec dirichlet(
      double publicFraction, int hospitals, double alpha, long seed, int minPerHospital) {
    return new PartitionSpec(
        publicFraction, hospitals, PartitionMode.DIRICHLET, alpha, seed, minPerHospital);
  }
}
