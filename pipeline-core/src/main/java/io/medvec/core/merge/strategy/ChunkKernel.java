package io.medvec.core.merge.strategy;

import io.medvec.core.merge.TaskMemory;
import io.medvec.core.merge.VectorSum;
import java.util.Arrays;

/**
 * Applies a {@link Recipe} to one block of coordinates of all K vectors: memory K × block. The
 * result at a coordinate depends only on the K values there (after sparsifying, which depends on
 * the coordinate and on per-vector statistics), so any chunking gives the same bits.
 */
final class ChunkKernel {

  private final Recipe recipe;
  private final Cohort cohort;
  private final double[] statistics;
  private final float[] weights;

  ChunkKernel(Recipe recipe, Cohort cohort, double[] statistics) {
    if (statistics.length != cohort.size()) {
      throw new IllegalStateException(
          "Cannot merge: "
              + statistics.length
              + " vector statistics for "
              + cohort.size()
              + " vectors");
    }
    this.recipe = recipe;
    this.cohort = cohort;
    this.statistics = statistics.clone();
    this.weights = recipe.aggregator().linearWeights();
  }

  /**
   * Merges {@code rows} (rows[j] = member j's values at coordinates offset, offset+1, ...; all the
   * same length; modified in place) into {@code out} at {@code offset}.
   */
  void merge(long offset, float[][] rows, float[] out) {
    merge(offset, rows, out, 0);
  }

  /**
   * As {@link #merge(long, float[][], float[])} into {@code out} holding coordinates {@code
   * origin}, {@code origin + 1}, ...: the merged values land at {@code out[offset - origin]}.
   */
  void merge(long offset, float[][] rows, float[] out, long origin) {
    int n = rows[0].length;
    requireBounds(offset - origin, n, out.length);
    for (int j = 0; j < rows.length; j++) {
      requireFinite(j, offset, rows[j]);
      recipe.sparsifier().apply(j, offset, rows[j], statistics[j]);
    }
    int base = (int) (offset - origin);
    if (isLinear()) { // the members in order through the one accumulation: the bits of the streamed
      // merge
      Arrays.fill(out, base, base + n, 0f);
      for (int j = 0; j < rows.length; j++) {
        VectorSum.accumulate(out, base, rows[j], weights[j]);
      }
      return;
    }
    float[] column = new float[rows.length];
    TaskMemory.hold(column.length);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < rows.length; j++) {
        column[j] = rows[j][i];
      }
      recipe.consensus().filter(column);
      out[base + i] = recipe.aggregator().combine(column);
    }
    TaskMemory.release(column.length);
  }

  /**
   * Whether vectors can be merged one at a time with {@link #accumulate} (memory independent of K).
   */
  boolean isLinear() {
    return recipe.consensus() == Consensus.NONE && recipe.aggregator().linearWeights() != null;
  }

  /**
   * Adds member {@code member}'s sparsified, weighted {@code values} (modified in place) at {@code
   * offset} into {@code out}. For a linear recipe, accumulating the members in order gives the same
   * bits as {@link #merge}: the same float additions happen in the same order.
   */
  void accumulate(int member, long offset, float[] values, float[] out) {
    accumulate(member, offset, values, out, 0);
  }

  /**
   * As {@link #accumulate(int, long, float[], float[])} into {@code out} starting at {@code
   * origin}.
   */
  void accumulate(int member, long offset, float[] values, float[] out, long origin) {
    if (!isLinear()) {
      throw new IllegalStateException(
          "Cannot accumulate vectors one at a time: the recipe is not linear");
    }
    requireBounds(offset - origin, values.length, out.length);
    requireFinite(member, offset, values);
    recipe.sparsifier().apply(member, offset, values, statistics[member]);
    VectorSum.accumulate(out, offset - origin, values, weights[member]);
  }

  private static void requireBounds(long offset, int n, int size) {
    if (offset < 0 || offset + n > size) {
      throw new IllegalArgumentException(
          "Cannot merge: values at "
              + offset
              + ".."
              + (offset + n)
              + " exceed the layout's "
              + size);
    }
  }

  private void requireFinite(int member, long offset, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "Cannot merge the data vector of hospital "
                + cohort.hospitals().get(member)
                + ": element "
                + (offset + i)
                + " is "
                + values[i]);
      }
    }
  }
}
