package io.medvec.core.merge;

import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** θ_mix = θ_pre + λ·Σ τ_j over the trainable parameters of a copy of the base network. */
public final class SyntheticWeights {

  private SyntheticWeights() {}

  /**
   * Returns a new network: the base's architecture and batch-norm statistics, with trainable
   * parameters {@code base + lambda * sum} (float32).
   */
  public static MultiLayerNetwork compose(MultiLayerNetwork base, VectorLayout layout, float[] sum, double lambda) {
    if (!(lambda >= 0) || !Double.isFinite(lambda)) {
      throw new IllegalArgumentException("Cannot compose synthetic weights: lambda must be >= 0 (" + lambda + ")");
    }
    float[] theta = ParamVectors.flatten(base, layout);
    if (theta.length != sum.length) {
      throw new IllegalArgumentException(
          "Cannot compose synthetic weights: sum has " + sum.length + " values, base has " + theta.length);
    }
    float scale = (float) lambda;
    for (int i = 0; i < theta.length; i++) {
      theta[i] += scale * sum[i];
    }
    MultiLayerNetwork mixed = base.clone();
    ParamVectors.assign(mixed, layout, theta);
    return mixed;
  }
}
