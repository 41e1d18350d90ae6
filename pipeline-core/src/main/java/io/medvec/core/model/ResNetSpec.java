package io.medvec.core.model;

import java.util.List;

/**
 * Typed description of a residual network of basic blocks (He et al. 2016, the ResNet-18/34 block):
 * a stem, then {@code blocks.size()} stages of {@code blocks.get(i)} blocks each with {@code
 * round(64 · widthMultiplier · 2^i)} filters (at least 1), every stage after the first starting
 * with a stride-2 block, then global average pooling and a softmax output. The default layout is
 * ResNet-18's: [2, 2, 2, 2] blocks, widths 64 … 512.
 *
 * <p>A block is conv 3×3 → BN → ReLU → conv 3×3 → BN, added to the shortcut, then ReLU. The
 * shortcut is the identity, or a 1×1 stride-s convolution → BN where the block changes the width or
 * the resolution. Convolutions have no bias (the BN after each has one).
 *
 * <p>The stem follows the input size: when the smaller side is below {@value #IMAGENET_STEM_FROM}
 * px it is a 3×3 stride-1 convolution → BN → ReLU without max pooling (the CIFAR/MedMNIST stem, so
 * a 28–96 px image keeps its resolution into the first stage); from {@value #IMAGENET_STEM_FROM} px
 * up it is ImageNet's 7×7 stride-2 convolution → BN → ReLU → 3×3 stride-2 max pool.
 *
 * @param channels input channels (1 grey, 3 RGB)
 * @param height input height in pixels
 * @param width input width in pixels
 * @param numClasses number of output classes
 * @param blocks basic blocks per stage, one entry per stage
 * @param widthMultiplier scales every stage's filters (1 = ResNet-18's 64 … 512)
 * @param learningRate Adam learning rate the network is built with (fine-tuning may override it)
 * @param seed weight-initialisation seed
 */
public record ResNetSpec(
    int channels,
    int height,
    int width,
    int numClasses,
    List<Integer> blocks,
    double widthMultiplier,
    double learningRate,
    long seed) {

  /** ResNet-18's blocks per stage. */
  public static final List<Integer> RESNET18_BLOCKS = List.of(2, 2, 2, 2);

  /** Smallest input side (px) that gets the ImageNet stem (7×7 stride 2 and max pool). */
  public static final int IMAGENET_STEM_FROM = 112;

  public ResNetSpec {
    Specs.require("resnet", channels >= 1, "channels", channels);
    Specs.require("resnet", height >= 8, "height (>= 8)", height);
    Specs.require("resnet", width >= 8, "width (>= 8)", width);
    Specs.require("resnet", numClasses >= 2, "num-classes", numClasses);
    Specs.require("resnet", blocks != null && !blocks.isEmpty(), "model.resnet.blocks", blocks);
    blocks = List.copyOf(blocks);
    for (int n : blocks) {
      Specs.require("resnet", n >= 1, "model.resnet.blocks (each >= 1)", blocks);
    }
    Specs.require(
        "resnet",
        widthMultiplier > 0 && Double.isFinite(widthMultiplier),
        "model.resnet.width (> 0)",
        widthMultiplier);
    Specs.require(
        "resnet", learningRate > 0 && Double.isFinite(learningRate), "learning-rate", learningRate);
  }

  /** Whether the input gets the ImageNet stem (7×7 stride 2 and 3×3 stride-2 max pool). */
  public boolean imagenetStem() {
    return Math.min(height, width) >= IMAGENET_STEM_FROM;
  }

  /** Filters of stage {@code stage} (0-based). */
  public int stageWidth(int stage) {
    return Math.max(1, (int) Math.round(64 * widthMultiplier * (1 << stage)));
  }

  /** Filters of the stem: those of the first stage. */
  public int stemWidth() {
    return stageWidth(0);
  }
}
