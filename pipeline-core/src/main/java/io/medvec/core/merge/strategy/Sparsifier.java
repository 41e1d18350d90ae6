package io.medvec.core.merge.strategy;

/**
 * Zeroes (and possibly rescales) entries of each vector independently of the others. A result must
 * depend only on the vector, the coordinate and a per-vector statistic computed from the whole
 * vector beforehand, never on how the vector is cut into chunks.
 */
interface Sparsifier {

  /** Keeps every entry. */
  Sparsifier NONE = (member, offset, values, statistic) -> {};

  /** Whether {@link #statistic} must see each whole vector before merging. */
  default boolean needsStatistic() {
    return false;
  }

  /**
   * The per-vector statistic (e.g. a magnitude threshold) of one whole vector; does not modify it.
   */
  default double statistic(float[] wholeVector) {
    return Double.NaN;
  }

  /**
   * Sparsifies, in place, member {@code member}'s values that start at coordinate {@code offset};
   * {@code statistic} is what {@link #statistic} returned for that member (NaN when not needed).
   */
  void apply(int member, long offset, float[] values, double statistic);
}
