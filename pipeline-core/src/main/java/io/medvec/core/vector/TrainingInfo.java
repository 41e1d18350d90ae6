package io.medvec.core.vector;

/**
 * How a hospital produced its vector, recorded in its manifest.
 *
 * @param epochs fine-tuning epochs
 * @param batchSize minibatch size
 * @param learningRate Adam learning rate
 * @param seed shuffling seed
 * @param finalLoss mean training loss of the last epoch
 * @param threads ND4J/OpenMP threads used (bit-identical reruns need the same count)
 */
public record TrainingInfo(
    int epochs, int batchSize, double learningRate, long seed, double finalLoss, int threads) {}
