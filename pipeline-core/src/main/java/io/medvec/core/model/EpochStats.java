package io.medvec.core.model;

/**
 * What one training epoch did.
 *
 * @param epoch 1-based epoch number
 * @param meanLoss example-weighted mean minibatch loss over the epoch
 * @param examples examples seen
 * @param seconds wall time of the epoch
 */
public record EpochStats(int epoch, double meanLoss, long examples, double seconds) {

  /** Training throughput of the epoch. */
  public double examplesPerSecond() {
    return seconds > 0 ? examples / seconds : Double.NaN;
  }
}
