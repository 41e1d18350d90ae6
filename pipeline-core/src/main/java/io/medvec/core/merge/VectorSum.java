package io.medvec.core.merge;

import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Σ τ_j over stored data vectors, streamed chunk by chunk into one float accumulator: memory is
 * one vector plus one Parquet row group whatever the number of hospitals. Vectors are summed in
 * hospital-id order whatever order they are given in, so the float result is reproducible.
 */
public final class VectorSum {

  private VectorSum() {}

  /** Sums the deltas of {@code vectors}, all of which must have {@code layout}. */
  public static float[] sum(VectorStore store, List<StoredVector> vectors, VectorLayout layout) {
    if (vectors.isEmpty()) {
      throw new IllegalArgumentException("Cannot merge: no data vectors given");
    }
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    requireDistinctHospitals(ordered);
    float[] acc = new float[Math.toIntExact(layout.size())];
    for (StoredVector vector : ordered) {
      layout.requireSameAs(vector.manifest().layout(), "data vector " + vector.dir());
      store.streamDelta(vector, (offset, values) -> addChunk(acc, offset, values, vector));
    }
    return acc;
  }

  private static void addChunk(float[] acc, long offset, float[] values, StoredVector vector) {
    int base = Math.toIntExact(offset);
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(
            "Cannot merge data vector " + vector.vectorPath() + ": element " + (offset + i) + " is " + v);
      }
      acc[base + i] += v;
    }
  }

  private static void requireDistinctHospitals(List<StoredVector> ordered) {
    for (int i = 1; i < ordered.size(); i++) {
      String hospital = ordered.get(i).manifest().hospital();
      if (hospital.equals(ordered.get(i - 1).manifest().hospital())) {
        throw new io.medvec.core.vector.IncompatibleVectorException(
            "Cannot merge: two vectors claim hospital " + hospital + " (" + ordered.get(i - 1).dir() + ", "
                + ordered.get(i).dir() + ")");
      }
    }
  }
}
