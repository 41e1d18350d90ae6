package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches (NCHW features, one-hot labels) cut from an {@link ImageSet} without extra copies.
 */
public final class Batches {

  private Batches() {}

  public static INDArray features(ImageSet set, int[] order, int from, int to) {
    int size = set.imageSize();
    float[] buf = new float[(to - from) * size];
    float[] pixels = set.pixels();
    for (int i = from; i < to; i++) {
      System.arraycopy(pixels, order[i] * size, buf, (i - from) * size, size);
    }
    return Nd4j.create(buf, new long[] {to - from, set.channels(), set.height(), set.width()}, 'c');
  }

  public static INDArray oneHot(ImageSet set, int[] order, int from, int to) {
    int classes = set.numClasses();
    float[] buf = new float[(to - from) * classes];
    int[] labels = set.labels();
    for (int i = from; i < to; i++) {
      buf[(i - from) * classes + labels[order[i]]] = 1f;
    }
    return Nd4j.create(buf, new long[] {to - from, classes}, 'c');
  }

  static DataSet dataSet(ImageSet set, int[] order, int from, int to) {
    return new DataSet(features(set, order, from, to), oneHot(set, order, from, to));
  }

  public static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
