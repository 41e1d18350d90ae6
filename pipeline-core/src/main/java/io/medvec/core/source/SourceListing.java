package io.medvec.core.source;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * An image source as listed, before any pixel is decoded: its examples per split (val and test
 * carved from train by the split rule where the source has none), class names and preprocessing.
 * Training and scoring read it as {@link SourceBatches} (a minibatch decoded at a time, an optional
 * {@link DecodedCache} of {@code data.cache-mb}), so their heap does not grow with the number of
 * images; {@link #materialize()} decodes every split into memory instead, as the merge does for the
 * data it holds.
 *
 * <p>A MedMNIST {@code .npz} is already held whole by its reader: it {@link #streams()} not, and
 * the jobs read it materialized.
 *
 * @param description the source's location and kind, for logs and messages
 * @param dataset the dataset name the manifests record
 * @param source the opened source
 * @param splits each split's examples, in the order partitions index them
 * @param classes class names in label order
 * @param preprocessing the preprocessing every image gets (augmentation left to training)
 * @param config the source keys it was opened with (the decoded cache's size)
 */
public record SourceListing(
    String description,
    String dataset,
    ImageSource source,
    Map<Split, List<Example>> splits,
    List<String> classes,
    Preprocessing preprocessing,
    SourceConfig config) {

  public SourceListing {
    splits = Map.copyOf(splits);
    classes = List.copyOf(classes);
  }

  /**
   * Lists the source at {@code path} with {@code declared} (the base model's preprocessing), or,
   * when null, with the preprocessing {@code config} resolves against the data (see {@link
   * SourceData#resolve}); decodes at most the first train image.
   */
  public static SourceListing open(
      Configuration conf, Path path, SourceConfig config, Preprocessing declared) {
    ImageSource source = ImageSources.open(conf, path, config);
    Map<Split, List<Example>> splits = SourceData.splits(source, config.splitRule());
    Preprocessing preprocessing =
        declared != null ? declared : SourceData.resolve(config, source, splits.get(Split.TRAIN));
    String dataset = source instanceof NpzSource npz ? npz.data().dataset() : SourceData.name(path);
    return new SourceListing(
        source.describe(),
        dataset,
        source,
        splits,
        SourceData.classNames(source),
        preprocessing,
        config);
  }

  /** Whether training and scoring decode minibatches from the source (every kind but .npz). */
  public boolean streams() {
    return !(source instanceof NpzSource);
  }

  /** The examples of {@code split}. */
  public List<Example> examples(Split split) {
    return splits.get(split);
  }

  /**
   * The examples of {@code split} at {@code indices}, in that order.
   *
   * @throws IllegalArgumentException for an index outside the split, naming it
   */
  public List<Example> select(Split split, int[] indices) {
    List<Example> all = examples(split);
    Example[] out = new Example[indices.length];
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || indices[i] >= all.size()) {
        throw new IllegalArgumentException(
            "Cannot select images of "
                + description
                + "/"
                + split.id()
                + ": index "
                + indices[i]
                + " is outside [0, "
                + all.size()
                + ") (the partition was made from other data?)");
      }
      out[i] = all.get(indices[i]);
    }
    return List.of(out);
  }

  /**
   * Minibatches of {@code examples}: shuffled per epoch and augmented by the preprocessing's
   * augmentation for (seed, epoch, image id) when {@code training}, else in order; each call gets
   * its own decoded cache of {@code data.cache-mb}.
   */
  public SourceBatches batches(List<Example> examples, int batchSize, boolean training, long seed) {
    return new SourceBatches(
        source, examples, preprocessing, batchSize, training, seed, config.cache());
  }

  /** The labels of {@code examples}, in order. */
  public static int[] labels(List<Example> examples) {
    return examples.stream().mapToInt(Example::label).toArray();
  }

  /** Examples per class of {@code examples}, in class order. */
  public long[] labelCounts(List<Example> examples) {
    return source.labelCounts(examples);
  }

  /**
   * {@code examples} of {@code split} decoded and preprocessed into memory, in that order (refused,
   * before any is decoded, when they need more than {@link SourceData#HEAP_SHARE} of the heap).
   */
  public ImageSet images(Split split, List<Example> examples) {
    SourceData.requireFits(source, Map.of(split, examples), preprocessing);
    return SourceData.materialize(source, dataset, split, examples, classes, preprocessing);
  }

  /** Every split decoded and preprocessed into memory (see {@link SourceData}). */
  public SourceData materialize() {
    return SourceData.materialize(this);
  }
}
