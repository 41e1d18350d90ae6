package io.medvec.core.merge;

import io.medvec.core.io.OrderedChunkReader;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Σ τ_j over stored data vectors, streamed chunk by chunk into one float accumulator. Vectors are
 * summed in hospital-id order whatever order they are given in, so the float result is reproducible
 * (and identical to a sequential sum).
 *
 * <p>{@link #accumulate} is the one float accumulation of every sum-like merge: this sum, the
 * screened weighted sum ({@link #sum(List, double[])}), the linear merge strategies (task
 * arithmetic, weighted sum, DARE) and the random-vector control. A weight of 1 multiplies exactly,
 * so unit weights give the plain sum's bits.
 *
 * <p>Decoding Parquet costs far more than adding, so {@code readers} threads decode at once,
 * sharing the vectors' Parquet row groups (see {@link OrderedChunkReader}), while the caller checks
 * and adds the chunks in order. Each thread holds at most one row group of decoded chunks, so
 * memory is the accumulator plus a few row groups (about 1 MB each), whatever the number of
 * hospitals and the vectors' length.
 */
public final class VectorSum {

  private VectorSum() {}

  /**
   * Sums the deltas of {@code vectors}, all of which must have {@code layout}; one reader per core
   * (at most 4).
   */
  public static float[] sum(VectorStore store, List<StoredVector> vectors, VectorLayout layout) {
    return sum(store, vectors, layout, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * As {@link #sum(VectorStore, List, VectorLayout)} with {@code readers} decoding threads (1 =
   * sequential).
   */
  public static float[] sum(
      VectorStore store, List<StoredVector> vectors, VectorLayout layout, int readers) {
    return sum(store, vectors, layout, readers, null);
  }

  /**
   * Σ w_j·τ_j streamed: {@code weights[j]} (rounded to float) belongs to the j-th vector in
   * hospital-id order; the bits of {@link #sum(List, double[])} on the same vectors in that order.
   */
  public static float[] sum(
      VectorStore store, List<StoredVector> vectors, VectorLayout layout, double[] weights) {
    if (weights.length != vectors.size()) {
      throw new IllegalArgumentException(
          "Cannot sum: " + vectors.size() + " vectors for " + weights.length + " weights");
    }
    return sum(
        store, vectors, layout, Math.min(4, Runtime.getRuntime().availableProcessors()), weights);
  }

  private static float[] sum(
      VectorStore store,
      List<StoredVector> vectors,
      VectorLayout layout,
      int readers,
      double[] weights) {
    if (vectors.isEmpty()) {
      throw new IllegalArgumentException("Cannot merge: no data vectors given");
    }
    if (readers < 1) {
      throw new IllegalArgumentException("Cannot merge: readers must be >= 1 (" + readers + ")");
    }
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    requireDistinctHospitals(ordered);
    for (StoredVector vector : ordered) {
      layout.requireSameAs(vector.manifest().layout(), "data vector " + vector.dir());
    }
    float[] acc = new float[Math.toIntExact(layout.size())];
    // decoded in parallel by row group, summed here in the sequential order: the same bits for any
    // readers
    store.streamDeltas(
        ordered,
        readers,
        (index, offset, values) ->
            addChunk(
                acc,
                offset,
                values,
                ordered.get(index),
                weights == null ? 1f : (float) weights[index]));
    return acc;
  }

  /** Σ w_j·τ_j of in-memory vectors in the given order (each weight rounded to float). */
  public static float[] sum(List<float[]> deltas, double[] weights) {
    if (deltas.isEmpty() || deltas.size() != weights.length) {
      throw new IllegalArgumentException(
          "Cannot sum: " + deltas.size() + " vectors for " + weights.length + " weights");
    }
    float[] acc = new float[deltas.get(0).length];
    for (int j = 0; j < deltas.size(); j++) {
      accumulate(acc, 0, deltas.get(j), (float) weights[j]);
    }
    return acc;
  }

  /** {@code acc[offset + i] += weight · values[i]} for every i, in float. */
  public static void accumulate(float[] acc, long offset, float[] values, float weight) {
    int base = Math.toIntExact(offset);
    for (int i = 0; i < values.length; i++) {
      acc[base + i] += weight * values[i];
    }
  }

  private static void addChunk(
      float[] acc, long offset, float[] values, StoredVector vector, float weight) {
    requireFinite(values, offset, vector);
    accumulate(acc, offset, values, weight);
  }

  /**
   * Refuses a NaN or infinite element, naming its index in the vector: {@code values} are the
   * elements from {@code offset} on of {@code vector}'s delta.
   */
  public static float[] requireFinite(float[] values, long offset, StoredVector vector) {
    return requireFinite(values, offset, String.valueOf(vector.vectorPath()));
  }

  /** As {@link #requireFinite(float[], long, StoredVector)}, for the vector file {@code path}. */
  public static float[] requireFinite(float[] values, long offset, String path) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "Cannot merge data vector " + path + ": element " + (offset + i) + " is " + values[i]);
      }
    }
    return values;
  }

  private static void requireDistinctHospitals(List<StoredVector> ordered) {
    for (int i = 1; i < ordered.size(); i++) {
      String hospital = ordered.get(i).manifest().hospital();
      if (hospital.equals(ordered.get(i - 1).manifest().hospital())) {
        throw new io.medvec.core.vector.IncompatibleVectorException(
            "Cannot merge: two vectors claim hospital "
                + hospital
                + " ("
                + ordered.get(i - 1).dir()
                + ", "
                + ordered.get(i).dir()
                + ")");
      }
    }
  }
}
