package io.medvec.core.merge.strategy;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * DARE's "drop and rescale" (Yu et al. 2023): each entry is dropped with probability {@code p} and
 * the survivors are divided by 1 − p, so every entry is unbiased in expectation.
 *
 * <p>The coin for an entry is a hash of (seed, hospital id, coordinate), not a random stream, so
 * the result does not depend on chunking, on the order vectors are processed in, or on which other
 * hospitals take part. p = 0 keeps every entry bit for bit.
 */
final class RandomDrop implements Sparsifier {

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final double p;
  private final long seed;
  private final long[] hospitalKeys;

  RandomDrop(double p, long seed, List<String> hospitals) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(
          "Cannot drop entries at random: rate must be in [0, 1) (" + p + ")");
    }
    this.p = p;
    this.seed = seed;
    this.hospitalKeys = hospitals.stream().mapToLong(RandomDrop::key).toArray();
  }

  @Override
  public void apply(int member, long offset, float[] values, double statistic) {
    double keep = 1 - p;
    for (int i = 0; i < values.length; i++) {
      values[i] =
          uniform(seed, hospitalKeys[member], offset + i) < p ? 0f : (float) (values[i] / keep);
    }
  }

  /** A uniform double in [0, 1) determined by its three arguments alone. */
  static double uniform(long seed, long hospitalKey, long coordinate) {
    long z = mix(seed + GOLDEN * mix(hospitalKey + GOLDEN * mix(coordinate + GOLDEN)));
    return (z >>> 11) * 0x1.0p-53;
  }

  /** 64-bit FNV-1a of the id's UTF-8 bytes: stable across JVMs, unlike identity hashes. */
  static long key(String hospital) {
    long h = 0xcbf29ce484222325L;
    for (byte b : hospital.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h;
  }

  // SplitMix64's finaliser (Steele, Lea, Flood 2014)
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
