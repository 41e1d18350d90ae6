package io.medvec.core.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Copies between ND4J arrays (often views into the network's parameter buffer) and float[]. */
public final class Tensors {

  private Tensors() {}

  /** C-order copy of the array's elements; safe for views (never returns the backing buffer). */
  public static float[] toFloats(INDArray array) {
    INDArray copy = array.castTo(DataType.FLOAT).dup('c');
    float[] values = copy.data().asFloat();
    if (values.length != copy.length()) {
      throw new IllegalStateException(
          "Cannot copy tensor: buffer holds "
              + values.length
              + " values, expected "
              + copy.length());
    }
    return values;
  }

  /** A new C-order float array of the given shape holding {@code values[from, from+length)}. */
  public static INDArray fromFloats(float[] values, int from, long[] shape) {
    long length = 1;
    for (long dim : shape) {
      length *= dim;
    }
    float[] slice = new float[Math.toIntExact(length)];
    System.arraycopy(values, from, slice, 0, slice.length);
    return Nd4j.create(slice, shape, 'c');
  }
}
