package io.medvec.core.merge.strategy;

/**
 * Applies a {@link Recipe} to one block of coordinates of all K vectors: memory K × block. The
 * result at a coordinate depends only on the K values there (after sparsifying, which depends on
 * the coordinate and on per-vector statistics), so any chunking gives the same bits.
 */
final class ChunkKernel {

  private final Recipe recipe;
  private final Cohort cohort;
  private final double[] statistics;

  ChunkKernel(Recipe recipe, Cohort cohort, double[] statistics) {
    if (statistics.length != cohort.size()) {
      throw new IllegalStateException(
          "Cannot merge: " + statistics.length + " vector statistics for " + cohort.size() + " vectors");
    }
    this.recipe = recipe;
    this.cohort = cohort;
    this.statistics = statistics.clone();
  }

  /**
   * Merges {@code rows} (rows[j] = member j's values at coordinates offset, offset+1, ...; all the
   * same length; modified in place) into {@code out} at {@code offset}.
   */
  void merge(long offset, float[][] rows, float[] out) {
    int n = rows[0].length;
    if (offset < 0 || offset + n > out.length) {
      throw new IllegalArgumentException(
          "Cannot merge: values at " + offset + ".." + (offset + n) + " exceed the layout's " + out.length);
    }
    for (int j = 0; j < rows.length; j++) {
      requireFinite(j, offset, rows[j]);
      recipe.sparsifier().apply(j, offset, rows[j], statistics[j]);
    }
    float[] column = new float[rows.length];
    int base = (int) offset;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < rows.length; j++) {
        column[j] = rows[j][i];
      }
      recipe.consensus().filter(column);
      out[base + i] = recipe.aggregator().combine(column);
    }
  }

  private void requireFinite(int member, long offset, float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "Cannot merge the data vector of hospital " + cohort.hospitals().get(member) + ": element "
                + (offset + i) + " is " + values[i]);
      }
    }
  }
}
