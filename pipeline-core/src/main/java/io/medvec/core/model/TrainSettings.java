package io.medvec.core.model;

/**
 * How a network is trained (pre-training on the public pool or fine-tuning at a hospital).
 *
 * @param epochs passes over the data
 * @param batchSize minibatch size
 * @param learningRate Adam learning rate
 * @param seed seed of the per-epoch shuffling
 */
public record TrainSettings(int epochs, int batchSize, double learningRate, long seed) {

  public TrainSettings {
    if (epochs < 1) {
      throw new IllegalArgumentException("Cannot train: epochs must be >= 1 (" + epochs + ")");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          "Cannot train: batch-size must be >= 1 (" + batchSize + ")");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException(
          "Cannot train: learning-rate must be a positive number (" + learningRate + ")");
    }
  }
}
