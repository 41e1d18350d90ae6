package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Seeded minibatch training loop; same seed, data and thread count give bit-identical weights. */
public final class Trainer {

  private Trainer() {}

  /**
   * Trains {@code net} in place on {@code data}, reporting every epoch to {@code onEpoch}.
   *
   * @return one entry per epoch
   */
  public static List<EpochStats> fit(
      MultiLayerNetwork net, ImageSet data, TrainSettings settings, Consumer<EpochStats> onEpoch) {
    return fit(Network.of(net), data, settings, onEpoch);
  }

  /**
   * Trains {@code net} (a multi-layer network or a graph) in place on {@code data}, reporting every
   * epoch to {@code onEpoch}; frozen layers stay as they are.
   *
   * @return one entry per epoch
   */
  public static List<EpochStats> fit(
      Network net, ImageSet data, TrainSettings settings, Consumer<EpochStats> onEpoch) {
    if (data.size() == 0) {
      throw new IllegalArgumentException(
          "Cannot train on " + data.dataset() + "/" + data.split().id() + ": no examples");
    }
    FastPath.install(net);
    net.setLearningRate(settings.learningRate());
    SplittableRandom random = new SplittableRandom(settings.seed());
    List<EpochStats> epochs = new ArrayList<>();
    for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
      EpochStats stats =
          epoch(net, data, settings.batchSize(), shuffled(data.size(), random), epoch);
      epochs.add(stats);
      onEpoch.accept(stats);
    }
    return epochs;
  }

  /**
   * Trains {@code net} in place on minibatches of NCHW [0, 1] features that {@code batches} decodes
   * as they are asked for (their order and augmentation are the iterator's; {@link
   * DataSetIterator#reset()} starts its next epoch), for {@code settings.epochs()} epochs. The
   * network's input scale is applied to every batch. Memory is the iterator's, not the data's.
   *
   * @return one entry per epoch
   */
  public static List<EpochStats> fit(
      Network net, DataSetIterator batches, TrainSettings settings, Consumer<EpochStats> onEpoch) {
    FastPath.install(net);
    net.setLearningRate(settings.learningRate());
    List<EpochStats> epochs = new ArrayList<>();
    for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
      if (epoch > 1) {
        batches.reset();
      }
      long start = System.nanoTime();
      double lossSum = 0;
      long n = 0;
      while (batches.hasNext()) {
        DataSet batch = batches.next();
        int rows = Math.toIntExact(batch.getFeatures().size(0));
        net.fit(new DataSet(net.input(batch.getFeatures()), batch.getLabels()));
        lossSum += net.score() * rows;
        n += rows;
      }
      if (n == 0) {
        throw new IllegalArgumentException("Cannot train: epoch " + epoch + " had no examples");
      }
      EpochStats stats = new EpochStats(epoch, lossSum / n, n, (System.nanoTime() - start) / 1e9);
      epochs.add(stats);
      onEpoch.accept(stats);
    }
    return epochs;
  }

  private static EpochStats epoch(
      Network net, ImageSet data, int batchSize, int[] order, int epoch) {
    long start = System.nanoTime();
    double lossSum = 0;
    for (int from = 0; from < order.length; from += batchSize) {
      int to = Math.min(order.length, from + batchSize);
      net.fit(net.dataSet(data, order, from, to));
      lossSum += net.score() * (to - from);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new EpochStats(epoch, lossSum / order.length, order.length, seconds);
  }

  private static int[] shuffled(int n, SplittableRandom random) {
    int[] order = Batches.identity(n);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }
}
