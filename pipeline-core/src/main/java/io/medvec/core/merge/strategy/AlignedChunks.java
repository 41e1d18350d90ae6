package io.medvec.core.merge.strategy;

import io.medvec.core.io.FloatChunkCursor;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads K stored deltas in lock-step, one chunk of each at a time: memory K chunks (plus one
 * Parquet row group per open file), whatever the vectors' length. Chunks must align — same offsets
 * and lengths in every file, as they do when all were written with the same chunk size; otherwise
 * the merge fails naming the two vectors.
 */
final class AlignedChunks implements AutoCloseable {

  /** The same coordinates of every vector: rows[j] belongs to the j-th vector. */
  record Block(long offset, float[][] rows) {}

  private final List<StoredVector> vectors;
  private final List<FloatChunkCursor> cursors = new ArrayList<>();

  AlignedChunks(VectorStore store, List<StoredVector> vectors) {
    this.vectors = List.copyOf(vectors);
    try {
      for (StoredVector v : vectors) {
        cursors.add(store.openDelta(v));
      }
    } catch (RuntimeException e) {
      closeAll(e);
      throw e;
    }
  }

  /** The next block, or null once every vector has ended (and been checksum-verified). */
  Block next() {
    float[][] rows = new float[cursors.size()][];
    long offset = -1;
    for (int j = 0; j < cursors.size(); j++) {
      FloatChunkCursor.Chunk chunk = cursors.get(j).next();
      if (j == 0) {
        offset = chunk == null ? -1 : chunk.offset();
      } else {
        requireAligned(rows[0], offset, chunk, j);
      }
      rows[j] = chunk == null ? null : chunk.values();
    }
    return rows[0] == null ? null : new Block(offset, rows);
  }

  private void requireAligned(float[] first, long offset, FloatChunkCursor.Chunk chunk, int j) {
    boolean bothEnded = first == null && chunk == null;
    boolean same =
        first != null
            && chunk != null
            && chunk.offset() == offset
            && chunk.values().length == first.length;
    if (!bothEnded && !same) {
      throw new IllegalArgumentException(
          "Cannot merge data vectors chunk by chunk: hospital "
              + hospital(j)
              + " has "
              + describe(chunk)
              + " where hospital "
              + hospital(0)
              + " has "
              + describe(first, offset)
              + " (all vectors must be written with the same chunk size, "
              + "e.g. FloatChunkFile.DEFAULT_CHUNK_SIZE)");
    }
  }

  private String hospital(int j) {
    return vectors.get(j).manifest().hospital();
  }

  private static String describe(FloatChunkCursor.Chunk chunk) {
    return chunk == null ? "no more chunks" : describe(chunk.values(), chunk.offset());
  }

  private static String describe(float[] values, long offset) {
    return values == null
        ? "no more chunks"
        : "a chunk of " + values.length + " values at offset " + offset;
  }

  @Override
  public void close() {
    closeAll(null);
  }

  private void closeAll(RuntimeException cause) {
    RuntimeException failure = cause;
    for (FloatChunkCursor c : cursors) {
      try {
        c.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (cause == null && failure != null) {
      throw failure;
    }
  }
}
