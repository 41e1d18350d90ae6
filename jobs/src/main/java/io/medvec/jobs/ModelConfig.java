package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.MedMnist;
import io.medvec.core.model.NetworkSpec;
import java.util.List;

/**
 * {@code model.*}: the shared CNN, each component read from the key declared below. Input shape and
 * class count come from the data.
 */
public record ModelConfig(
    List<Integer> convFilters, int kernel, boolean batchNorm, int denseUnits, long seed) {

  static final ConfigKey<List<Double>> CONV_FILTERS =
      ConfigKey.numbers(
          "model.conv-filters",
          List.of(16.0, 32.0),
          1,
          1024,
          "filters per conv block, one block per entry");
  static final ConfigKey<Integer> KERNEL =
      ConfigKey.integer("model.kernel", 3, 1, 15, "odd kernel size");
  static final ConfigKey<Boolean> BATCH_NORM =
      ConfigKey.bool("model.batch-norm", true, "batch norm after each convolution");
  static final ConfigKey<Integer> DENSE_UNITS =
      ConfigKey.integer("model.dense-units", 64, 1, 65_536, "units of the hidden dense layer");
  static final ConfigKey<Long> SEED =
      ConfigKey.longValue("model.seed", 42, "weight-initialisation seed");

  /** The keys {@link #from} reads. */
  static final ConfigGroup KEYS =
      ConfigGroup.of("model: the shared CNN", CONV_FILTERS, KERNEL, BATCH_NORM, DENSE_UNITS, SEED);

  public static ModelConfig from(ConfigMap map) {
    List<Integer> filters = CONV_FILTERS.read(map).stream().map(d -> (int) Math.round(d)).toList();
    return new ModelConfig(
        filters, KERNEL.read(map), BATCH_NORM.read(map), DENSE_UNITS.read(map), SEED.read(map));
  }

  public NetworkSpec spec(MedMnist data, double learningRate) {
    return new NetworkSpec(
        data.channels(),
        data.train().height(),
        data.train().width(),
        data.numClasses(),
        convFilters,
        kernel,
        batchNorm,
        denseUnits,
        learningRate,
        seed);
  }
}
