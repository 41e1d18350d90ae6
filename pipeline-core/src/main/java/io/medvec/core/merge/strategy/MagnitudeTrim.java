package io.medvec.core.merge.strategy;

import java.util.Arrays;

/**
 * TIES step 1 ("trim"): keeps each vector's entries whose magnitude is among its top fraction
 * {@code keep} over the whole vector (not per tensor, as in the TIES reference code), zeroing the
 * rest. The threshold is exact: the round(keep·P)-th largest |τ| (at least one entry), found by
 * sorting a copy of the magnitudes; entries tied with the threshold are all kept.
 *
 * <p>Memory: the statistic needs one whole vector plus a copy of its magnitudes (2·P floats), one
 * vector at a time.
 */
final class MagnitudeTrim implements Sparsifier {

  private final double keep;

  MagnitudeTrim(double keep) {
    if (!(keep > 0 && keep <= 1)) {
      throw new IllegalArgumentException(
          "Cannot trim by magnitude: kept fraction must be in (0, 1] (" + keep + ")");
    }
    this.keep = keep;
  }

  @Override
  public boolean needsStatistic() {
    return true;
  }

  @Override
  public double statistic(float[] wholeVector) {
    int p = wholeVector.length;
    if (p == 0) {
      return 0;
    }
    float[] magnitudes = new float[p];
    for (int i = 0; i < p; i++) {
      magnitudes[i] = Math.abs(wholeVector[i]);
    }
    Arrays.sort(magnitudes);
    int kept = (int) Math.max(1, Math.min(p, Math.round(keep * p)));
    return magnitudes[p - kept];
  }

  @Override
  public void apply(int member, long offset, float[] values, double threshold) {
    for (int i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) < threshold) {
        values[i] = 0f;
      }
    }
  }
}
