package io.medvec.jobs;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.model.TrainSettings;

/** Reads {@code epochs}, {@code batch-size}, {@code learning-rate}, {@code seed} of one section. */
final class TrainConfig {

  private TrainConfig() {}

  static TrainSettings from(ConfigMap section, int epochs, double learningRate, long seed) {
    return new TrainSettings(
        section.integer("epochs", epochs, 1, 10_000),
        section.integer("batch-size", 64, 1, 65_536),
        section.positive("learning-rate", learningRate),
        section.longValue("seed", seed));
  }
}
