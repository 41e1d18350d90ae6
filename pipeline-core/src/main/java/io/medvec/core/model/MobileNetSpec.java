package io.medvec.core.model;

/**
 * Typed description of MobileNetV1 (Howard et al. 2017): a 3×3 convolution → BN → ReLU stem with
 * {@code 32·α} filters, then the first {@code blocks} of its 13 depthwise-separable blocks
 * (depthwise 3×3 → BN → ReLU, pointwise 1×1 → BN → ReLU) with the paper's widths 64, 128, 128, 256,
 * 256, 512 ×6, 1024, 1024 (times α) and strides 1, 2, 1, 2, 1, 2, 1 ×5, 2, 1, then global average
 * pooling and a softmax output. A width is {@code max(1, floor(w · α))}, as in Keras. Convolutions
 * have no bias (the BN after each has one).
 *
 * <p>The stem has stride 2 when the smaller input side is at least {@value #STRIDED_STEM_FROM} px
 * (the paper's 224, Visual Wake Words' 96) and stride 1 below that (28–48 px MedMNIST-size images,
 * which would otherwise be at 1×1 after four of the five stride-2 stages).
 *
 * @param channels input channels (1 grey, 3 RGB)
 * @param height input height in pixels
 * @param width input width in pixels
 * @param numClasses number of output classes
 * @param alpha width multiplier α
 * @param blocks how many of the 13 depthwise-separable blocks, from the first
 * @param learningRate Adam learning rate the network is built with (fine-tuning may override it)
 * @param seed weight-initialisation seed
 */
public record MobileNetSpec(
    int channels,
    int height,
    int width,
    int numClasses,
    double alpha,
    int blocks,
    double learningRate,
    long seed) {

  /** Pointwise filters of the 13 blocks at α = 1. */
  static final int[] WIDTHS = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};

  /** Depthwise stride of the 13 blocks. */
  static final int[] STRIDES = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};

  /** Smallest input side (px) for which the stem has stride 2. */
  public static final int STRIDED_STEM_FROM = 64;

  public MobileNetSpec {
    Specs.require("mobilenet", channels >= 1, "channels", channels);
    Specs.require("mobilenet", height >= 8, "height (>= 8)", height);
    Specs.require("mobilenet", width >= 8, "width (>= 8)", width);
    Specs.require("mobilenet", numClasses >= 2, "num-classes", numClasses);
    Specs.require(
        "mobilenet", alpha > 0 && Double.isFinite(alpha), "model.mobilenet.alpha (> 0)", alpha);
    Specs.require(
        "mobilenet",
        blocks >= 1 && blocks <= WIDTHS.length,
        "model.mobilenet.blocks (1 to " + WIDTHS.length + ")",
        blocks);
    Specs.require(
        "mobilenet",
        learningRate > 0 && Double.isFinite(learningRate),
        "learning-rate",
        learningRate);
  }

  /** Stride of the stem convolution: 2 from {@value #STRIDED_STEM_FROM} px up, else 1. */
  public int stemStride() {
    return Math.min(height, width) >= STRIDED_STEM_FROM ? 2 : 1;
  }

  /** Filters of the stem. */
  public int stemWidth() {
    return scaled(32);
  }

  /** Pointwise filters of block {@code i} (0-based). */
  public int blockWidth(int i) {
    return scaled(WIDTHS[i]);
  }

  /** Depthwise stride of block {@code i} (0-based). */
  public int blockStride(int i) {
    return STRIDES[i];
  }

  private int scaled(int filters) {
    return Math.max(1, (int) (filters * alpha));
  }
}
