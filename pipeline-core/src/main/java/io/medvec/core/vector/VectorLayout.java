package io.medvec.core.vector;

import java.util.List;
import java.util.stream.Collectors;

/** Ordered, contiguous placement of named tensors in a flat float vector. */
public record VectorLayout(List<TensorSpec> tensors) {

  public VectorLayout {
    tensors = List.copyOf(tensors);
    long expected = 0;
    for (TensorSpec t : tensors) {
      if (t.offset() != expected) {
        throw new IllegalArgumentException(
            "Cannot build layout: tensor "
                + t.name()
                + " starts at "
                + t.offset()
                + ", expected "
                + expected);
      }
      expected += t.length();
    }
  }

  /** Total number of elements. */
  public long size() {
    return tensors.isEmpty()
        ? 0
        : tensors.get(tensors.size() - 1).offset() + tensors.get(tensors.size() - 1).length();
  }

  /**
   * Throws {@link IncompatibleVectorException} unless {@code other} has the same names and shapes
   * in the same order; {@code what} names it.
   */
  public void requireSameAs(VectorLayout other, String what) {
    if (!tensors.equals(other.tensors)) {
      throw new IncompatibleVectorException(
          "Cannot use "
              + what
              + ": its parameter layout "
              + describe(other)
              + " differs from the expected "
              + describe(this));
    }
  }

  private static String describe(VectorLayout layout) {
    return layout.tensors.stream()
        .map(t -> t.name() + t.shape())
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
