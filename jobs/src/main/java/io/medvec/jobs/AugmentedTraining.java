package io.medvec.jobs;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.Network;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.source.Augmentation;
import io.medvec.core.source.Example;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceBatches;
import io.medvec.core.source.SourceListing;
import io.medvec.jobs.spark.JobContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Training with the base model's seeded augmentation (pre-train and fine-tune only): each epoch
 * trains on a freshly augmented copy of the images, drawn for (seed, epoch, image id) where the id
 * is the image's index in the train split, so a retried task sees the same pixels. Without
 * augmentation it is {@link Trainer#fit} unchanged. {@link #streamed} trains on images decoded from
 * their source instead, as the jobs do for every source but a {@code .npz}.
 */
final class AugmentedTraining {

  private AugmentedTraining() {}

  /**
   * @param trainIndices each image's index in the train split (its augmentation id)
   */
  static List<EpochStats> fit(
      Network net,
      ImageSet images,
      int[] trainIndices,
      Preprocessing preprocessing,
      TrainSettings settings,
      Consumer<EpochStats> onEpoch) {
    Augmentation augmentation = preprocessing == null ? null : preprocessing.augmentation();
    if (augmentation == null || !augmentation.enabled()) {
      return Trainer.fit(net, images, settings, onEpoch);
    }
    List<EpochStats> epochs = new ArrayList<>();
    for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
      ImageSet augmented = augment(images, trainIndices, preprocessing, settings.seed(), epoch);
      TrainSettings one =
          new TrainSettings(
              1, settings.batchSize(), settings.learningRate(), settings.seed() * 31 + epoch);
      EpochStats e = Trainer.fit(net, augmented, one, s -> {}).get(0);
      EpochStats stats = new EpochStats(epoch, e.meanLoss(), e.examples(), e.seconds());
      epochs.add(stats);
      onEpoch.accept(stats);
    }
    return epochs;
  }

  /**
   * Trains {@code net} on {@code examples} of {@code listing} decoded from the source a minibatch
   * at a time ({@link SourceBatches}: shuffled per (seed, epoch), augmented per (seed, epoch, image
   * id) when the preprocessing augments, decoded images kept between epochs up to {@code
   * data.cache-mb}), so the heap holds a batch and the cache, whatever the number of images.
   *
   * @return the epochs, and the dataset and per-class counts of what it trained on
   */
  static Trained streamed(
      Network net,
      SourceListing listing,
      List<Example> examples,
      TrainSettings settings,
      Consumer<EpochStats> onEpoch) {
    requireClasses(net, listing);
    SourceBatches batches = listing.batches(examples, settings.batchSize(), true, settings.seed());
    List<EpochStats> epochs = Trainer.fit(net, batches, settings, onEpoch);
    return new Trained(epochs, listing.dataset(), listing.labelCounts(examples));
  }

  /** {@link #fit} on images in memory, with what it trained on. */
  static Trained materialized(
      Network net,
      ImageSet images,
      int[] trainIndices,
      Preprocessing preprocessing,
      TrainSettings settings,
      Consumer<EpochStats> onEpoch) {
    return new Trained(
        fit(net, images, trainIndices, preprocessing, settings, onEpoch),
        images.dataset(),
        images.labelCounts());
  }

  /** Logs a hospital's epochs: loss, throughput, examples. */
  static Consumer<EpochStats> progress(String hospital, int epochs) {
    return e ->
        JobContext.PROGRESS.info(
            "hospital {} epoch {}/{}: loss {} ({} examples/s, {} examples)",
            hospital,
            e.epoch(),
            epochs,
            String.format(java.util.Locale.ROOT, "%.4f", e.meanLoss()),
            String.format(java.util.Locale.ROOT, "%.1f", e.examplesPerSecond()),
            e.examples());
  }

  /** Refuses a network whose output count is not the source's class count, naming both. */
  static void requireClasses(Network net, SourceListing listing) {
    if (net.numOutputs() != listing.classes().size()) {
      throw new IllegalArgumentException(
          "Cannot train on "
              + listing.description()
              + ": the network has "
              + net.numOutputs()
              + " outputs, the data "
              + listing.classes().size()
              + " classes "
              + listing.classes());
    }
  }

  /**
   * What a training run saw.
   *
   * @param epochs one entry per epoch
   * @param dataset the dataset name its manifest records
   * @param labelCounts examples per class
   */
  record Trained(List<EpochStats> epochs, String dataset, long[] labelCounts) {
    long examples() {
      return java.util.Arrays.stream(labelCounts).sum();
    }

    double finalLoss() {
      return epochs.get(epochs.size() - 1).meanLoss();
    }
  }

  static ImageSet augment(
      ImageSet images, int[] trainIndices, Preprocessing p, long seed, int epoch) {
    int size = images.imageSize();
    float[] out = new float[images.pixels().length];
    float[] one = new float[size];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.pixels(), i * size, one, 0, size);
      float[] a = p.augment(one, seed, epoch, "train/" + trainIndices[i]);
      for (int k = 0; k < size; k++) {
        out[i * size + k] = Math.min(1f, Math.max(0f, a[k]));
      }
    }
    return new ImageSet(
        images.dataset(),
        images.split(),
        images.channels(),
        images.height(),
        images.width(),
        images.numClasses(),
        out,
        images.labels());
  }
}
