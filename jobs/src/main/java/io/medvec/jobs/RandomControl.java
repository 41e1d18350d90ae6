package io.medvec.jobs;

import io.medvec.core.merge.RandomVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/** Σ over hospitals of a random vector norm-matched (per tensor) to each hospital's delta. */
final class RandomControl {

  private RandomControl() {}

  static float[] sum(VectorStore store, List<StoredVector> vectors, VectorLayout layout, String runId) {
    float[] acc = new float[Math.toIntExact(layout.size())];
    for (StoredVector vector : vectors) {
      long seed = UUID.nameUUIDFromBytes((runId + "/" + vector.manifest().hospital())
          .getBytes(StandardCharsets.UTF_8)).getMostSignificantBits();
      float[] random = RandomVectors.like(store.readDelta(vector), layout, seed);
      for (int i = 0; i < acc.length; i++) {
        acc[i] += random[i];
      }
    }
    return acc;
  }
}
