package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.MedMnist;
import io.medvec.core.model.MobileNetSpec;
import io.medvec.core.model.ModelArch;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.model.ResNetSpec;
import java.util.List;

/**
 * {@code model.*}: the shared network, {@code model.arch} choosing the built-in architecture and
 * each component read from the key declared below. Input shape and class count come from the data.
 */
public record ModelConfig(
    ModelArch arch,
    List<Integer> convFilters,
    int kernel,
    boolean batchNorm,
    int denseUnits,
    List<Integer> resnetBlocks,
    double resnetWidth,
    double mobilenetAlpha,
    int mobilenetBlocks,
    long seed) {

  static final ConfigKey<ModelArch> ARCH =
      ConfigKey.enumValue(
          "model.arch",
          ModelArch.class,
          ModelArch.CNN,
          "built-in architecture: cnn (model.conv-filters …), resnet (model.resnet.*), mobilenet"
              + " (model.mobilenet.*)");
  static final ConfigKey<List<Double>> CONV_FILTERS =
      ConfigKey.numbers(
          "model.conv-filters",
          List.of(16.0, 32.0),
          1,
          1024,
          "cnn: filters per conv block, one block per entry");
  static final ConfigKey<Integer> KERNEL =
      ConfigKey.integer("model.kernel", 3, 1, 15, "cnn: odd kernel size");
  static final ConfigKey<Boolean> BATCH_NORM =
      ConfigKey.bool("model.batch-norm", true, "cnn: batch norm after each convolution");
  static final ConfigKey<Integer> DENSE_UNITS =
      ConfigKey.integer("model.dense-units", 64, 1, 65_536, "cnn: units of the hidden dense layer");
  static final ConfigKey<List<Double>> RESNET_BLOCKS =
      ConfigKey.numbers(
          "model.resnet.blocks",
          List.of(2.0, 2.0, 2.0, 2.0),
          1,
          64,
          "resnet: basic blocks per stage, one stage per entry (ResNet-18: [2, 2, 2, 2])");
  static final ConfigKey<Double> RESNET_WIDTH =
      ConfigKey.number(
          "model.resnet.width",
          1.0,
          0.01,
          16,
          "resnet: width multiplier, stage i has round(64 · width · 2^i) filters");
  static final ConfigKey<Double> MOBILENET_ALPHA =
      ConfigKey.number(
          "model.mobilenet.alpha", 1.0, 0.01, 16, "mobilenet: width multiplier α of every layer");
  static final ConfigKey<Integer> MOBILENET_BLOCKS =
      ConfigKey.integer(
          "model.mobilenet.blocks",
          13,
          1,
          13,
          "mobilenet: how many of MobileNetV1's 13 depthwise-separable blocks, from the first");
  static final ConfigKey<Long> SEED =
      ConfigKey.longValue("model.seed", 42, "weight-initialisation seed");

  /** The keys {@link #from} reads. */
  static final ConfigGroup KEYS =
      ConfigGroup.of(
          "model: the shared network",
          ARCH,
          CONV_FILTERS,
          KERNEL,
          BATCH_NORM,
          DENSE_UNITS,
          RESNET_BLOCKS,
          RESNET_WIDTH,
          MOBILENET_ALPHA,
          MOBILENET_BLOCKS,
          SEED);

  public static ModelConfig from(ConfigMap map) {
    return new ModelConfig(
        ARCH.read(map),
        integers(CONV_FILTERS.read(map)),
        KERNEL.read(map),
        BATCH_NORM.read(map),
        DENSE_UNITS.read(map),
        integers(RESNET_BLOCKS.read(map)),
        RESNET_WIDTH.read(map),
        MOBILENET_ALPHA.read(map),
        MOBILENET_BLOCKS.read(map),
        SEED.read(map));
  }

  private static List<Integer> integers(List<Double> values) {
    return values.stream().map(d -> (int) Math.round(d)).toList();
  }

  /** The CNN's spec ({@code model.arch: cnn}) for {@code data}. */
  public NetworkSpec spec(MedMnist data, double learningRate) {
    return spec(
        data.channels(),
        data.train().height(),
        data.train().width(),
        data.numClasses(),
        learningRate);
  }

  private NetworkSpec spec(int channels, int height, int width, int classes, double learningRate) {
    return new NetworkSpec(
        channels,
        height,
        width,
        classes,
        convFilters,
        kernel,
        batchNorm,
        denseUnits,
        learningRate,
        seed);
  }

  /** The residual network's spec for {@code data}. */
  public ResNetSpec resnetSpec(MedMnist data, double learningRate) {
    return resnetSpec(
        data.channels(),
        data.train().height(),
        data.train().width(),
        data.numClasses(),
        learningRate);
  }

  private ResNetSpec resnetSpec(
      int channels, int height, int width, int classes, double learningRate) {
    return new ResNetSpec(
        channels, height, width, classes, resnetBlocks, resnetWidth, learningRate, seed);
  }

  /** The MobileNet's spec for {@code data}. */
  public MobileNetSpec mobilenetSpec(MedMnist data, double learningRate) {
    return mobilenetSpec(
        data.channels(),
        data.train().height(),
        data.train().width(),
        data.numClasses(),
        learningRate);
  }

  private MobileNetSpec mobilenetSpec(
      int channels, int height, int width, int classes, double learningRate) {
    return new MobileNetSpec(
        channels, height, width, classes, mobilenetAlpha, mobilenetBlocks, learningRate, seed);
  }

  /** A new, seeded network of {@code model.arch} for {@code data}'s images and classes. */
  public Network build(MedMnist data, double learningRate) {
    return build(
        data.channels(),
        data.train().height(),
        data.train().width(),
        data.numClasses(),
        learningRate);
  }

  /** A new, seeded network of {@code model.arch} for images of this shape and classes. */
  public Network build(int channels, int height, int width, int classes, double learningRate) {
    return switch (arch) {
      case CNN ->
          Network.of(NetworkFactory.build(spec(channels, height, width, classes, learningRate)));
      case RESNET ->
          NetworkFactory.build(resnetSpec(channels, height, width, classes, learningRate));
      case MOBILENET ->
          NetworkFactory.build(mobilenetSpec(channels, height, width, classes, learningRate));
    };
  }
}
