package io.medvec.jobs;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.data.MedMnist;
import io.medvec.core.model.NetworkSpec;
import java.util.List;

/**
 * {@code model.*}: the shared CNN. Input shape and class count come from the data.
 *
 * @param convFilters {@code model.conv-filters} filters per conv block ([16, 32])
 * @param kernel {@code model.kernel} odd kernel size (3)
 * @param batchNorm {@code model.batch-norm} batch norm after each convolution (true)
 * @param denseUnits {@code model.dense-units} units of the hidden dense layer (64)
 * @param seed {@code model.seed} weight-initialisation seed (42)
 */
public record ModelConfig(List<Integer> convFilters, int kernel, boolean batchNorm, int denseUnits, long seed) {

  public static ModelConfig from(ConfigMap map) {
    ConfigMap m = map.section("model");
    List<Integer> filters =
        m.numbers("conv-filters", List.of(16.0, 32.0), 1, 1024).stream().map(d -> (int) Math.round(d)).toList();
    return new ModelConfig(
        filters,
        m.integer("kernel", 3, 1, 15),
        m.bool("batch-norm", true),
        m.integer("dense-units", 64, 1, 65_536),
        m.longValue("seed", 42));
  }

  public NetworkSpec spec(MedMnist data, double learningRate) {
    return new NetworkSpec(
        data.channels(), data.train().height(), data.train().width(), data.numClasses(),
        convFilters, kernel, batchNorm, denseUnits, learningRate, seed);
  }
}
