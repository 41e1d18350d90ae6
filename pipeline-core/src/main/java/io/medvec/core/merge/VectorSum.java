package io.medvec.core.merge;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Σ τ_j over stored data vectors, streamed chunk by chunk into one float accumulator. Vectors are
 * summed in hospital-id order whatever order they are given in, so the float result is
 * reproducible (and identical to a sequential sum).
 *
 * <p>Decoding Parquet (and hashing the values) costs far more than adding them, so up to
 * {@code readers} vectors are decoded at once on background threads while the caller adds the
 * chunks of the earliest one in order. The readers together queue at most one vector's worth of
 * decoded chunks before they wait, so memory is the accumulator plus one vector plus the
 * readers' Parquet buffers, whatever the number of hospitals.
 */
public final class VectorSum {

  private VectorSum() {}

  /** Sums the deltas of {@code vectors}, all of which must have {@code layout}; one reader per core (at most 4). */
  public static float[] sum(VectorStore store, List<StoredVector> vectors, VectorLayout layout) {
    return sum(store, vectors, layout, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /** As {@link #sum(VectorStore, List, VectorLayout)} with {@code readers} decoding threads (1 = sequential). */
  public static float[] sum(VectorStore store, List<StoredVector> vectors, VectorLayout layout, int readers) {
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
    if (readers == 1) {
      for (StoredVector vector : ordered) {
        store.streamDelta(vector, (offset, values) -> addChunk(acc, offset, values, vector));
      }
      return acc;
    }
    int threads = Math.min(readers, ordered.size());
    // medvec writes 64 k-float chunks; the queues of the readers ahead hold one vector in total
    long chunksPerVector = (layout.size() + FloatChunkFile.DEFAULT_CHUNK_SIZE - 1) / FloatChunkFile.DEFAULT_CHUNK_SIZE;
    int capacity = (int) Math.max(2, chunksPerVector / Math.max(1, threads - 1)) + 1;
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
    try {
      List<BlockingQueue<Chunk>> queues = new ArrayList<>();
      for (StoredVector vector : ordered) {
        BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(capacity);
        queues.add(queue);
        // a fixed pool runs tasks in submission order: the vector being summed is always being read
        pool.execute(() -> read(store, vector, queue));
      }
      for (int i = 0; i < ordered.size(); i++) {
        drain(queues.get(i), acc, ordered.get(i));
      }
      return acc;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A decoded chunk, or the end of a vector ({@code values == null}), or its reader's failure. */
  private record Chunk(long offset, float[] values, RuntimeException failure) {}

  private static void read(VectorStore store, StoredVector vector, BlockingQueue<Chunk> queue) {
    try {
      store.streamDelta(vector, (offset, values) -> put(queue, new Chunk(offset, values, null)));
      put(queue, new Chunk(-1, null, null));
    } catch (RuntimeException e) {
      if (!Thread.currentThread().isInterrupted()) {
        put(queue, new Chunk(-1, null, e));
      }
    }
  }

  private static void put(BlockingQueue<Chunk> queue, Chunk chunk) {
    try {
      queue.put(chunk);
    } catch (InterruptedException e) {
      // the summation stopped (failure elsewhere): stop reading
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot read data vector: merge cancelled", e);
    }
  }

  private static void drain(BlockingQueue<Chunk> queue, float[] acc, StoredVector vector) {
    Chunk chunk;
    try {
      for (chunk = queue.take(); chunk.values() != null; chunk = queue.take()) {
        addChunk(acc, chunk.offset(), chunk.values(), vector);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Cannot merge: interrupted while reading " + vector.vectorPath(), e);
    }
    if (chunk.failure() != null) {
      // the reader's own exception (type and message), so exit codes and messages stay the same
      throw chunk.failure();
    }
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

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "medvec-vector-reader-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
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
