package io.medvec.core.vector;

import org.apache.hadoop.fs.Path;

/**
 * A complete data vector in a {@link VectorStore}.
 *
 * @param dir its directory
 * @param manifest its parsed, validated manifest
 */
public record StoredVector(Path dir, VectorManifest manifest) {

  /** The delta's Parquet file. */
  public Path vectorPath() {
    return new Path(dir, manifest.vectorFile());
  }

  /** The batch-norm statistics' Parquet file. */
  public Path bnStatsPath() {
    return new Path(dir, manifest.bnStatsFile());
  }
}
