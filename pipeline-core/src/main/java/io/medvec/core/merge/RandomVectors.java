package io.medvec.core.merge;

import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.VectorLayout;
import java.util.SplittableRandom;

/**
 * The paper's control: a random direction of the same size as a data vector, with the same L2
 * norm per tensor, so a merge of random vectors moves θ_pre exactly as far, layer by layer, as the
 * real merge does, only in an uninformed direction.
 */
public final class RandomVectors {

  private RandomVectors() {}

  /** A seeded Gaussian vector with, per tensor of {@code layout}, the L2 norm of {@code like}. */
  public static float[] like(float[] like, VectorLayout layout, long seed) {
    if (like.length != layout.size()) {
      throw new IllegalArgumentException(
          "Cannot draw a random vector: " + like.length + " values for a layout of " + layout.size());
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] out = new float[like.length];
    for (TensorSpec t : layout.tensors()) {
      int from = Math.toIntExact(t.offset());
      int to = from + Math.toIntExact(t.length());
      double target = 0;
      double drawn = 0;
      for (int i = from; i < to; i++) {
        double g = gaussian(random);
        out[i] = (float) g;
        drawn += g * g;
        target += (double) like[i] * like[i];
      }
      double scale = drawn > 0 ? Math.sqrt(target / drawn) : 0;
      for (int i = from; i < to; i++) {
        out[i] = (float) (out[i] * scale);
      }
    }
    return out;
  }

  private static double gaussian(SplittableRandom random) {
    // Box–Muller; SplittableRandom has no nextGaussian before Java 17's RandomGenerator default
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
