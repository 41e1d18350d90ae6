package io.medvec.core.merge;

/**
 * The bytes of the float buffers a merge task holds at once, counted by the task's own code as it
 * takes and drops them (per thread: a Spark task runs on one): the accumulated range, the first
 * member's chunks waiting for the range's size, the chunk being added, and for coordinate-wise
 * strategies the K members' values of the range and the K-wide column. Parquet's own buffers (one
 * row group being decoded) are not counted. {@link #start} before a task, {@link #peak} after it.
 */
public final class TaskMemory {

  private static final ThreadLocal<long[]> LEDGER = ThreadLocal.withInitial(() -> new long[2]);

  private TaskMemory() {}

  /** Starts counting on this thread from zero. */
  public static void start() {
    long[] l = LEDGER.get();
    l[0] = 0;
    l[1] = 0;
  }

  /** The task now holds {@code floats} more floats. */
  public static void hold(long floats) {
    long[] l = LEDGER.get();
    l[0] += 4 * floats;
    l[1] = Math.max(l[1], l[0]);
  }

  /** The task has dropped {@code floats} floats. */
  public static void release(long floats) {
    LEDGER.get()[0] -= 4 * floats;
  }

  /** The most bytes held at once on this thread since {@link #start}. */
  public static long peak() {
    return LEDGER.get()[1];
  }

  /** The bytes held now on this thread. */
  public static long held() {
    return LEDGER.get()[0];
  }
}
