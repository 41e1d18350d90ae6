package io.medvec.jobs;

import io.medvec.core.config.ConfigGroup;
import io.medvec.core.config.ConfigKey;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.model.TrainSettings;

/**
 * The training keys of one section ({@code pretrain}, {@code finetune}): {@code epochs}, {@code
 * batch-size}, {@code learning-rate}, {@code seed}, each section with its own defaults.
 */
record TrainConfig(
    ConfigKey<Integer> epochs,
    ConfigKey<Integer> batchSize,
    ConfigKey<Double> learningRate,
    ConfigKey<Long> seed) {

  /** Declares {@code SECTION.epochs} etc. with these defaults (batch size 64 everywhere). */
  static TrainConfig keys(String section, String what, int epochs, double learningRate, long seed) {
    return new TrainConfig(
        ConfigKey.integer(section + ".epochs", epochs, 1, 10_000, "epochs of " + what),
        ConfigKey.integer(section + ".batch-size", 64, 1, 65_536, "minibatch size of " + what),
        ConfigKey.positive(
            section + ".learning-rate", learningRate, "Adam learning rate of " + what),
        ConfigKey.longValue(section + ".seed", seed, "seed of the minibatch order of " + what));
  }

  /** Reads the four keys from the root map or their section. */
  TrainSettings read(ConfigMap map) {
    return new TrainSettings(
        epochs.read(map), batchSize.read(map), learningRate.read(map), seed.read(map));
  }

  ConfigKey<?>[] all() {
    return new ConfigKey<?>[] {epochs, batchSize, learningRate, seed};
  }

  ConfigGroup group(String title) {
    return ConfigGroup.of(title, all());
  }
}
