package io.medvec.core.source;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches (NCHW features in [0, 1], one-hot labels) decoded from an {@link ImageSource} as they
 * are asked for; a {@code mean-std} scaling is the network's input scale, applied by {@link
 * io.medvec.core.model.Network#input} as for an {@link io.medvec.core.data.ImageSet}. Only the
 * current batch's pixels (plus an optional {@link DecodedCache}) are held, so memory does not grow
 * with the number of images. In training mode the order is reshuffled every epoch from (seed,
 * epoch) and each image is augmented for (seed, epoch, id); {@link #reset()} starts the next epoch.
 * In evaluation mode the order is the listing order and nothing is augmented.
 */
public final class SourceBatches implements DataSetIterator {

  private final ImageSource source;
  private final List<Example> examples;
  private final Preprocessing preprocessing;
  private final int batchSize;
  private final boolean training;
  private final long seed;
  private final DecodedCache cache;
  private final int numClasses;
  private DataSetPreProcessor preProcessor;
  private int epoch = 1;
  private int[] order;
  private int cursor;
  private List<Example> lastBatch = List.of();

  /**
   * @param training shuffle and augment (fine-tune and pre-train), else listing order
   * @param cache decoded images to reuse, or null
   */
  public SourceBatches(
      ImageSource source,
      List<Example> examples,
      Preprocessing preprocessing,
      int batchSize,
      boolean training,
      long seed,
      DecodedCache cache) {
    if (batchSize < 1 || examples.isEmpty()) {
      throw new IllegalArgumentException(
          "Cannot batch "
              + source.describe()
              + ": needs examples and a batch size >= 1 ("
              + examples.size()
              + " examples, batch size "
              + batchSize
              + ")");
    }
    this.source = source;
    this.examples = List.copyOf(examples);
    this.preprocessing = preprocessing;
    this.batchSize = batchSize;
    this.training = training;
    this.seed = seed;
    this.cache = cache;
    this.numClasses = source.classes().size();
    this.order = order();
  }

  /** The epoch the next batches belong to, from 1. */
  public int epoch() {
    return epoch;
  }

  /** The examples of the batch {@link #next()} returned last, in row order. */
  public List<Example> lastBatch() {
    return lastBatch;
  }

  /** Number of examples per epoch. */
  public int size() {
    return examples.size();
  }

  private int[] order() {
    int[] o = new int[examples.size()];
    for (int i = 0; i < o.length; i++) {
      o[i] = i;
    }
    if (training) {
      SplittableRandom random = new SplittableRandom(Augmentation.mix(seed, epoch, "order"));
      for (int i = o.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = o[i];
        o[i] = o[j];
        o[j] = t;
      }
    }
    return o;
  }

  @Override
  public boolean hasNext() {
    return cursor < order.length;
  }

  @Override
  public DataSet next() {
    return next(batchSize);
  }

  @Override
  public DataSet next(int num) {
    if (!hasNext()) {
      throw new NoSuchElementException(
          "Cannot read batch of " + source.describe() + ": epoch " + epoch + " is exhausted");
    }
    int to = Math.min(order.length, cursor + num);
    List<Example> batch = new ArrayList<>(to - cursor);
    for (int i = cursor; i < to; i++) {
      batch.add(examples.get(order[i]));
    }
    cursor = to;
    DataSet ds = dataSet(batch);
    lastBatch = List.copyOf(batch);
    if (preProcessor != null) {
      preProcessor.preProcess(ds);
    }
    return ds;
  }

  private DataSet dataSet(List<Example> batch) {
    int size = preprocessing.imageSize();
    float[] features = new float[batch.size() * size];
    float[] labels = new float[batch.size() * numClasses];
    float[][] resized = resized(batch);
    for (int i = 0; i < batch.size(); i++) {
      Example e = batch.get(i);
      float[] px = training ? preprocessing.augment(resized[i], seed, epoch, e.id()) : resized[i];
      for (int k = 0; k < size; k++) {
        // resampling and augmentation may leave [0, 1] by rounding or brightness: clamped, as the
        // materialized splits are
        features[i * size + k] = Math.min(1f, Math.max(0f, px[k]));
      }
      labels[i * numClasses + e.label()] = 1f;
    }
    long[] shape = {
      batch.size(), preprocessing.channels().count(), preprocessing.height(), preprocessing.width()
    };
    return new DataSet(
        Nd4j.create(features, shape, 'c'),
        Nd4j.create(labels, new long[] {batch.size(), numClasses}, 'c'));
  }

  /** Resized pixels of each example, from the cache or decoded in one pass over the source. */
  private float[][] resized(List<Example> batch) {
    float[][] out = new float[batch.size()][];
    List<Example> missing = new ArrayList<>();
    List<Integer> at = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      out[i] = cache == null ? null : cache.get(batch.get(i).id());
      if (out[i] == null) {
        missing.add(batch.get(i));
        at.add(i);
      }
    }
    if (!missing.isEmpty()) {
      try (ImageSource.Stream stream = source.open(missing)) {
        for (int k = 0; stream.hasNext(); k++) {
          ImageSource.Loaded loaded = stream.next();
          float[] px = preprocessing.resized(loaded.image());
          out[at.get(k)] = px;
          if (cache != null) {
            cache.put(loaded.example().id(), px);
          }
        }
      }
    }
    return out;
  }

  @Override
  public int inputColumns() {
    return preprocessing.imageSize();
  }

  @Override
  public int totalOutcomes() {
    return numClasses;
  }

  @Override
  public boolean resetSupported() {
    return true;
  }

  @Override
  public boolean asyncSupported() {
    return false;
  }

  /** Starts the next epoch (a new order and new augmentation in training mode). */
  @Override
  public void reset() {
    epoch++;
    cursor = 0;
    order = order();
  }

  @Override
  public int batch() {
    return batchSize;
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    this.preProcessor = preProcessor;
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return preProcessor;
  }

  @Override
  public List<String> getLabels() {
    return source.classes();
  }
}
