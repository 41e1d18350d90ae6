package io.medvec.core.merge;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Σ τ_j over stored data vectors, streamed chunk by chunk into one float accumulator. Vectors are
 * summed in hospital-id order whatever order they are given in, so the float result is
 * reproducible (and identical to a sequential sum).
 *
 * <p>Decoding Parquet (and hashing the values) costs far more than adding them, so up to
 * {@code readers} vectors are decoded at once on background threads while the caller adds the
 * chunks of the earliest one in order. The readers ahead together queue at most one vector's
 * worth of decoded chunks before they wait (see {@link ReadAhead}), so memory is the accumulator
 * plus one vector plus a few chunks plus the readers' Parquet buffers, whatever the number of
 * hospitals.
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
    // medvec writes 64 k-float chunks: readers ahead of the vector being summed hold one vector in total
    long chunksPerVector = (layout.size() + FloatChunkFile.DEFAULT_CHUNK_SIZE - 1) / FloatChunkFile.DEFAULT_CHUNK_SIZE;
    ReadAhead budget = new ReadAhead((int) Math.max(threads, chunksPerVector));
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
    try {
      List<BlockingQueue<Chunk>> queues = new ArrayList<>();
      for (int i = 0; i < ordered.size(); i++) {
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>(); // bounded by the budget
        queues.add(queue);
        StoredVector vector = ordered.get(i);
        int index = i;
        // a fixed pool runs tasks in submission order: the vector being summed is always being read
        pool.execute(() -> read(store, vector, index, queue, budget));
      }
      for (int i = 0; i < ordered.size(); i++) {
        budget.advance(i);
        drain(queues.get(i), acc, ordered.get(i), budget);
      }
      return acc;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A decoded chunk, or the end of a vector ({@code values == null}), or its reader's failure;
   * {@code permit}: whether it holds one of the read-ahead budget's permits.
   */
  private record Chunk(long offset, float[] values, RuntimeException failure, boolean permit) {}

  /**
   * How many decoded chunks may wait to be summed. Chunks of vectors after the one being summed
   * (the head) need a permit, at most one vector's worth in all. The head's reader may also go a few
   * chunks beyond the permits, so that it can never wait for readers further ahead: their chunks
   * are only summed after the head's, so waiting for their permits would deadlock.
   */
  static final class ReadAhead {
    static final int HEAD_SLACK = 4;
    private int available;
    private int head;
    private int headOutstanding;

    ReadAhead(int permits) {
      this.available = permits;
    }

    /** Blocks until vector {@code index}'s reader may queue one more chunk; true if it took a permit. */
    synchronized boolean reserve(int index) throws InterruptedException {
      for (Boolean permit = tryReserve(index); ; permit = tryReserve(index)) {
        if (permit != null) {
          return permit;
        }
        wait();
      }
    }

    /** As {@link #reserve} without blocking: null when the reader would have to wait. */
    synchronized Boolean tryReserve(int index) {
      if (available > 0) {
        available -= 1;
        return true;
      }
      if (index == head && headOutstanding < HEAD_SLACK) {
        headOutstanding += 1;
        return false;
      }
      return null;
    }

    /** A chunk was summed. */
    synchronized void release(boolean permit) {
      if (permit) {
        available += 1;
      } else {
        headOutstanding -= 1;
      }
      notifyAll();
    }

    /** Vector {@code index} is now being summed (every earlier one is done). */
    synchronized void advance(int index) {
      head = index;
      notifyAll();
    }
  }

  private static void read(VectorStore store, StoredVector vector, int index, BlockingQueue<Chunk> queue,
      ReadAhead budget) {
    try {
      store.streamDelta(vector, (offset, values) -> {
        boolean permit;
        try {
          permit = budget.reserve(index);
        } catch (InterruptedException e) {
          // the summation stopped (failure elsewhere): stop reading
          Thread.currentThread().interrupt();
          throw new IllegalStateException("Cannot read data vector: merge cancelled", e);
        }
        queue.add(new Chunk(offset, values, null, permit));
      });
      queue.add(new Chunk(-1, null, null, false));
    } catch (RuntimeException e) {
      if (!Thread.currentThread().isInterrupted()) {
        queue.add(new Chunk(-1, null, e, false));
      }
    }
  }

  private static void drain(BlockingQueue<Chunk> queue, float[] acc, StoredVector vector, ReadAhead budget) {
    Chunk chunk;
    try {
      for (chunk = queue.take(); chunk.values() != null; chunk = queue.take()) {
        addChunk(acc, chunk.offset(), chunk.values(), vector);
        budget.release(chunk.permit());
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
    requireFinite(values, offset, vector);
    int base = Math.toIntExact(offset);
    for (int i = 0; i < values.length; i++) {
      acc[base + i] += values[i];
    }
  }

  /**
   * Refuses a NaN or infinite element, naming its index in the vector: {@code values} are the
   * elements from {@code offset} on of {@code vector}'s delta.
   */
  public static float[] requireFinite(float[] values, long offset, StoredVector vector) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            "Cannot merge data vector " + vector.vectorPath() + ": element " + (offset + i) + " is " + values[i]);
      }
    }
    return values;
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
