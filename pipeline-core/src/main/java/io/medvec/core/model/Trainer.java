package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

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
