package io.medvec.core.model;

import java.util.List;

/**
 * Typed description of the small CNN every hospital shares: {@code conv-filters.size()} blocks of
 * convolution (same padding) → optional batch norm → ReLU → 2×2 max pool, then one dense ReLU layer
 * and a softmax output.
 *
 * @param channels input channels (1 grey, 3 RGB)
 * @param height input height in pixels
 * @param width input width in pixels
 * @param numClasses number of output classes
 * @param convFilters filters of each convolution block, in order
 * @param kernel square kernel size of every convolution
 * @param batchNorm whether each convolution block has a batch-norm layer
 * @param denseUnits units of the dense layer before the output
 * @param learningRate Adam learning rate the network is built with (fine-tuning may override it)
 * @param seed weight-initialisation seed
 */
public record NetworkSpec(
    int channels,
    int height,
    int width,
    int numClasses,
    List<Integer> convFilters,
    int kernel,
    boolean batchNorm,
    int denseUnits,
    double learningRate,
    long seed) {

  public NetworkSpec {
    require(channels >= 1, "channels", channels);
    require(height >= 4, "height", height);
    require(width >= 4, "width", width);
    require(numClasses >= 2, "num-classes", numClasses);
    require(convFilters != null && !convFilters.isEmpty(), "conv-filters", convFilters);
    convFilters = List.copyOf(convFilters);
    for (int filters : convFilters) {
      require(filters >= 1, "conv-filters", convFilters);
    }
    require(kernel >= 1 && kernel % 2 == 1, "kernel (odd, >= 1)", kernel);
    require(denseUnits >= 1, "dense-units", denseUnits);
    require(learningRate > 0 && Double.isFinite(learningRate), "learning-rate", learningRate);
    int pooled = Math.min(height, width) >> convFilters.size();
    require(pooled >= 1, "conv-filters (too many 2x2 pools for the input size)", convFilters);
  }

  private static void require(boolean ok, String field, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Cannot build network spec: invalid " + field + " (" + value + ")");
    }
  }
}
