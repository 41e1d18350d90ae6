package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.data.Split;
import io.medvec.core.source.Preprocessing.Channels;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Minibatches streamed from the real ISIC and HAM10000 image folders. */
class SourceBatchesTest {

  private static final Preprocessing P32 = Preprocessing.unit(32, Channels.RGB);

  @Test
  void evaluationBatchesAreTheListingOrderPreprocessedWithOneHotLabels() {
    ImageSource source = ham();
    List<Example> examples = source.examples(Split.TRAIN);
    SourceBatches batches = new SourceBatches(source, examples, P32, 16, false, 1, null);
    assertThat(batches.size()).isEqualTo(examples.size());
    assertThat(batches.getLabels()).isEqualTo(source.classes());
    assertThat(batches.inputColumns()).isEqualTo(3 * 32 * 32);
    List<Example> seen = new ArrayList<>();
    int rows = 0;
    while (batches.hasNext()) {
      DataSet ds = batches.next();
      List<Example> batch = batches.lastBatch();
      assertThat(ds.getFeatures().shape()).containsExactly(batch.size(), 3, 32, 32);
      assertThat(ds.getLabels().shape()).containsExactly(batch.size(), source.classes().size());
      List<DecodedImage> decoded = decode(source, batch);
      for (int i = 0; i < batch.size(); i++) {
        float[] expected = P32.apply(decoded.get(i));
        assertThat(row(ds, i)).isEqualTo(expected);
        float[] label = ds.getLabels().getRow(i).dup().data().asFloat();
        assertThat(label[batch.get(i).label()]).isEqualTo(1f);
        assertThat(sum(label)).isEqualTo(1f);
      }
      seen.addAll(batch);
      rows += batch.size();
    }
    assertThat(seen).isEqualTo(examples);
    assertThat(rows).isEqualTo(examples.size());
    assertThatThrownBy(batches::next)
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("Cannot read batch of " + source.describe() + ": epoch 1 is exhausted");
    batches.reset();
    assertThat(batches.epoch()).isEqualTo(2);
    batches.next();
    assertThat(batches.lastBatch()).isEqualTo(examples.subList(0, 16));
  }

  @Test
  void trainingShufflesEachEpochFromTheSeedAndAugmentsPerSeedEpochAndImage() {
    ImageSource source = ham();
    List<Example> examples = source.examples(Split.TRAIN);
    Preprocessing augmented =
        P32.withAugmentation(new Augmentation(true, true, false, 10, 0.9, 0.1, 0.1));
    SourceBatches a = new SourceBatches(source, examples, augmented, 8, true, 5, null);
    SourceBatches b = new SourceBatches(source, examples, augmented, 8, true, 5, null);
    List<List<Example>> orders = new ArrayList<>();
    for (int epoch = 1; epoch <= 2; epoch++) {
      List<Example> order = new ArrayList<>();
      while (a.hasNext()) {
        DataSet da = a.next();
        DataSet db = b.next();
        assertThat(a.lastBatch()).isEqualTo(b.lastBatch());
        assertThat(da.getFeatures()).isEqualTo(db.getFeatures());
        order.addAll(a.lastBatch());
        if (order.size() == a.lastBatch().size()) { // the first batch of the epoch
          List<DecodedImage> decoded = decode(source, a.lastBatch());
          for (int i = 0; i < decoded.size(); i++) {
            float[] expected =
                augmented.applyForTraining(decoded.get(i), 5, epoch, a.lastBatch().get(i).id());
            assertThat(row(da, i)).isEqualTo(expected);
            assertThat(row(da, i)).isNotEqualTo(augmented.apply(decoded.get(i)));
          }
        }
      }
      assertThat(new HashSet<>(order)).isEqualTo(new HashSet<>(examples));
      assertThat(order).hasSameSizeAs(examples).isNotEqualTo(examples);
      orders.add(order);
      a.reset();
      b.reset();
    }
    assertThat(orders.get(0)).as("a new order each epoch").isNotEqualTo(orders.get(1));
    SourceBatches otherSeed = new SourceBatches(source, examples, augmented, 8, true, 6, null);
    otherSeed.next();
    assertThat(otherSeed.lastBatch()).isNotEqualTo(orders.get(0).subList(0, 8));
  }

  @Test
  void aCacheServesTheSecondEpochWithTheSamePixels() {
    ImageSource source = ham();
    List<Example> examples = source.examples(Split.TRAIN);
    DecodedCache cache = new DecodedCache(64L << 20);
    SourceBatches batches = new SourceBatches(source, examples, P32, 10, false, 1, cache);
    List<DataSet> first = drain(batches);
    assertThat(cache.misses()).isEqualTo(examples.size());
    assertThat(cache.hits()).isZero();
    assertThat(cache.bytes()).isEqualTo(4L * P32.imageSize() * examples.size());
    batches.reset();
    List<DataSet> second = drain(batches);
    assertThat(cache.hits()).isEqualTo(examples.size());
    assertThat(second).hasSameSizeAs(first);
    for (int i = 0; i < first.size(); i++) {
      assertThat(second.get(i).getFeatures()).isEqualTo(first.get(i).getFeatures());
    }
  }

  @Test
  void noExamplesOrABatchSizeBelowOneIsRefused() {
    ImageSource source = ham();
    assertThatThrownBy(() -> new SourceBatches(source, List.of(), P32, 8, false, 1, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot batch "
                + source.describe()
                + ": needs examples and a batch size >= 1 (0 examples, batch size 8)");
    assertThatThrownBy(() -> new SourceBatches(source, source.examples(), P32, 0, false, 1, null))
        .hasMessageEndingWith("(70 examples, batch size 0)");
  }

  /**
   * Streams every ISIC image (2,359) at 64x64 and measures the heap still in use after a full GC at
   * a quarter of the stream and at its end: it must not grow with the images read. Kept images
   * would hold 48 KiB each (about 85 MiB for the last three quarters); features live off-heap in
   * ND4J, so only Java objects count. The same stream through a decoded cache that keeps every
   * image shows that the measurement sees retained images.
   */
  @Test
  void retainedHeapDoesNotGrowWithTheNumberOfImagesStreamed() {
    ImageSource source =
        new ImageFolderSource(
            Sources.conf(),
            Sources.hadoop(Sources.isic()),
            new SplitRule(0.1, 0.1, 1),
            ImageDecoders.standard());
    assertThat(source.examples()).hasSize(2359);
    long streaming = growth(source, null);
    assertThat(streaming).as("retained heap growth in bytes").isLessThan(16L << 20);
    long caching = growth(source, new DecodedCache(512L << 20));
    assertThat(caching).as("growth when every image is kept").isGreaterThan(64L << 20);
  }

  private static long growth(ImageSource source, DecodedCache cache) {
    List<Example> all = source.examples();
    Preprocessing p64 = Preprocessing.unit(64, Channels.RGB);
    SourceBatches batches = new SourceBatches(source, all, p64, 32, true, 1, cache);
    int quarter = all.size() / 4;
    int read = 0;
    long atQuarter = -1;
    double checksum = 0;
    while (batches.hasNext()) {
      DataSet ds = batches.next();
      checksum += ds.getFeatures().sumNumber().doubleValue();
      read += batches.lastBatch().size();
      ds.getFeatures().close();
      ds.getLabels().close();
      if (atQuarter < 0 && read >= quarter) {
        atQuarter = retainedHeap();
      }
    }
    long atEnd = retainedHeap();
    assertThat(read).isEqualTo(all.size());
    assertThat(checksum).isPositive();
    System.out.printf(
        "retained heap after GC (%s): %.1f MiB at %d images, %.1f MiB at %d (growth %.1f MiB)%n",
        cache == null ? "streaming" : "cache keeping every image",
        atQuarter / 1048576.0,
        quarter,
        atEnd / 1048576.0,
        read,
        (atEnd - atQuarter) / 1048576.0);
    return atEnd - atQuarter;
  }

  /** The smallest used heap over a few full collections (a collection may leave some garbage). */
  private static long retainedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      memory.gc();
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  private static ImageSource ham() {
    return new ImageFolderSource(
        Sources.conf(),
        Sources.hadoop(Sources.ham()),
        new SplitRule(0.1, 0.1, 2),
        ImageDecoders.standard());
  }

  private static List<DecodedImage> decode(ImageSource source, List<Example> batch) {
    List<DecodedImage> out = new ArrayList<>();
    try (ImageSource.Stream stream = source.open(batch)) {
      stream.forEachRemaining(l -> out.add(l.image()));
    }
    return out;
  }

  private static List<DataSet> drain(SourceBatches batches) {
    List<DataSet> out = new ArrayList<>();
    while (batches.hasNext()) {
      out.add(batches.next());
    }
    return out;
  }

  private static float[] row(DataSet ds, int i) {
    return ds.getFeatures()
        .get(org.nd4j.linalg.indexing.NDArrayIndex.point(i))
        .dup()
        .data()
        .asFloat();
  }

  private static float sum(float[] v) {
    float s = 0;
    for (float x : v) {
      s += x;
    }
    return s;
  }
}
