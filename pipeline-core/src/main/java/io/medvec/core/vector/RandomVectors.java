package io.medvec.core.vector;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The data-vector paper's control (arXiv:2408.13038): a random direction as large as a real data
 * vector. For each tensor of the layout it draws i.i.d. standard Gaussians and rescales them to
 * that tensor's L2 norm in the given delta, so a merge of such vectors moves θ_pre as far, tensor
 * by tensor, as the real merge does — but in no learned direction.
 */
public final class RandomVectors {

  private RandomVectors() {}

  /**
   * A random vector with the same per-tensor L2 norms as {@code delta} (laid out by {@code
   * layout}); the same (delta norms, layout, seed) always give the same bits, because {@link
   * Random}'s Gaussian sequence is specified by the JDK. Tensors whose norm is zero stay zero.
   * Norms are computed in double and match to float rounding.
   */
  public static float[] matchingNorms(float[] delta, VectorLayout layout, long seed) {
    if (delta == null || delta.length != layout.size()) {
      throw new IllegalArgumentException(
          "Cannot draw a random vector: "
              + (delta == null ? "no" : delta.length)
              + " values for a layout of "
              + layout.size());
    }
    Random random = new Random(seed);
    float[] out = new float[delta.length];
    for (TensorSpec t : layout.tensors()) {
      int from = Math.toIntExact(t.offset());
      int to = Math.toIntExact(t.offset() + t.length());
      double target = norm(delta, from, to);
      if (!Double.isFinite(target)) {
        throw new IllegalArgumentException(
            "Cannot draw a random vector: tensor "
                + t.name()
                + " of the delta has a non-finite norm ("
                + target
                + ")");
      }
      drawScaled(random, target, out, from, to);
    }
    return out;
  }

  /**
   * {@link #matchingNorms(float[], VectorLayout, long)} with a seed derived from ({@code seed},
   * {@code hospital}), so that one run seed gives every hospital its own independent direction (the
   * same seed for all hospitals would make their random vectors parallel, tensor by tensor).
   */
  public static float[] matchingNorms(
      float[] delta, VectorLayout layout, long seed, String hospital) {
    long h = seed;
    for (byte b : VectorManifest.requireHospitalId(hospital).getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ (b & 0xff));
    }
    return matchingNorms(delta, layout, mix(h));
  }

  // SplitMix64's finaliser: spreads every input bit over the 48 bits java.util.Random keeps
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static void drawScaled(Random random, double targetNorm, float[] out, int from, int to) {
    double[] draw = new double[to - from];
    double drawn = 0;
    for (int i = 0; i < draw.length; i++) {
      draw[i] = random.nextGaussian();
      drawn += draw[i] * draw[i];
    }
    double scale = targetNorm == 0 || drawn == 0 ? 0 : targetNorm / Math.sqrt(drawn);
    for (int i = 0; i < draw.length; i++) {
      out[from + i] = (float) (draw[i] * scale);
    }
  }

  /** L2 norm of {@code values[from..to)}, accumulated in double. */
  public static double norm(float[] values, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += (double) values[i] * values[i];
    }
    return Math.sqrt(sum);
  }
}
