package io.medvec.jobs;

import io.medvec.core.data.ImageSet;
import io.medvec.core.model.EpochStats;
import io.medvec.core.model.Network;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.source.Augmentation;
import io.medvec.core.source.Preprocessing;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Training with the base model's seeded augmentation (pre-train and fine-tune only): each epoch
 * trains on a freshly augmented copy of the images, drawn for (seed, epoch, image id) where the id
 * is the image's index in the train split, so a retried task sees the same pixels. Without
 * augmentation it is {@link Trainer#fit} unchanged.
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
