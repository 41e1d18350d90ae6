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
 * @param column {@link PartitionMode#BY_COLUMN}: the source's column whose values are the hospitals
 *     (e.g. {@code site}); empty otherwise
 * @param minSiteExamples {@link PartitionMode#BY_COLUMN}: a site with fewer training examples
 *     (after the public pool) joins the merged hospital {@value HospitalPartitioner#OTHER}; at
 *     least 1
 */
public record PartitionSpec(
    double publicFraction,
    int hospitals,
    PartitionMode mode,
    double alpha,
    long seed,
    int minPerHospital,
    String column,
    int minSiteExamples) {

  /** A spec of simulated hospitals (IID or Dirichlet), without a column. */
  public PartitionSpec(
      double publicFraction,
      int hospitals,
      PartitionMode mode,
      double alpha,
      long seed,
      int minPerHospital) {
    this(publicFraction, hospitals, mode, alpha, seed, minPerHospital, "", 1);
  }

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
        alphaValid || mode != PartitionMode.DIRICHLET && Double.isNaN(alpha),
        "Cannot create partition spec: alpha must be finite and > 0 (%s)",
        alpha);
    checkArgument(
        minPerHospital >= 1,
        "Cannot create partition spec: minPerHospital must be >= 1 (%s)",
        minPerHospital);
    column = column == null ? "" : column.trim();
    checkArgument(
        mode != PartitionMode.BY_COLUMN || !column.isEmpty(),
        "Cannot create partition spec: mode by-column needs a column (%s)",
        column);
    checkArgument(
        minSiteExamples >= 1,
        "Cannot create partition spec: minSiteExamples must be >= 1 (%s)",
        minSiteExamples);
  }

  /** A spec making each value of {@code column} a hospital. */
  public static PartitionSpec byColumn(
      double publicFraction, String column, int minSiteExamples, long seed) {
    return new PartitionSpec(
        publicFraction, 1, PartitionMode.BY_COLUMN, Double.NaN, seed, 1, column, minSiteExamples);
  }

  /** This spec with {@code k} hospitals (the sites a by-column partition found). */
  public PartitionSpec withHospitals(int k) {
    return new PartitionSpec(
        publicFraction, k, mode, alpha, seed, minPerHospital, column, minSiteExamples);
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
