package io.medvec.core.vector;

import java.util.List;

/**
 * One parameter tensor inside a flat vector.
 *
 * @param name DL4J parameter-table key, e.g. {@code 0_W} or {@code 1_gamma}
 * @param shape tensor shape (C order)
 * @param offset first element in the flat vector
 * @param length number of elements
 */
public record TensorSpec(String name, List<Long> shape, long offset, long length) {

  public TensorSpec {
    shape = List.copyOf(shape);
    long product = 1;
    for (long dim : shape) {
      product *= dim;
    }
    if (product != length || offset < 0) {
      throw new IllegalArgumentException(
          "Cannot describe tensor "
              + name
              + ": shape "
              + shape
              + " does not hold "
              + length
              + " elements at offset "
              + offset);
    }
  }

  /** The shape as a primitive array. */
  public long[] shapeArray() {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }
}
