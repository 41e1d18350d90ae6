package io.medvec.core.store;

import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.StoredVector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A data vector's identity is its content: the SHA-256 of its delta's values, as its manifest
 * records and every read verifies. Two vectors of one merge with the same identity are one delta
 * published twice (a copied directory, or a hospital sending another's vector as its own); merging
 * both would count that data twice, and keeping one would hide which hospital's claim is false, so
 * the merge refuses them.
 */
public final class ContentIdentity {

  private ContentIdentity() {}

  /** Refuses (exit code 4) two vectors in {@code vectors} with the same delta SHA-256. */
  public static void requireDistinct(List<StoredVector> vectors) {
    Map<String, StoredVector> seen = new HashMap<>();
    for (StoredVector v : vectors) {
      StoredVector first = seen.putIfAbsent(v.manifest().vectorSha256(), v);
      if (first != null) {
        throw new IncompatibleVectorException(
            "Cannot merge data vectors "
                + first.dir()
                + " and "
                + v.dir()
                + ": hospitals "
                + first.manifest().hospital()
                + " and "
                + v.manifest().hospital()
                + " published the same delta, which would count its data twice (SHA-256 "
                + v.manifest().vectorSha256()
                + ")");
      }
    }
  }
}
