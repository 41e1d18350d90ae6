package io.medvec.jobs;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Peak memory of one call, above what was live before it (benchmarks only: it forces full
 * collections while the call runs). Heap: the largest live heap, sampled by a full collection
 * every {@value #SAMPLE_MS} ms and once at the end while the call's result is still held, so
 * garbage waiting to be collected does not count. Off-heap: direct NIO buffers plus JavaCPP (ND4J)
 * allocations, sampled every millisecond; native memory of compression libraries is not visible.
 */
final class MemoryProbe {

  private static final long SAMPLE_MS = 25;

  /** Peak bytes above the starting point. */
  record Peak(long heapBytes, long offHeapBytes) {}

  private MemoryProbe() {}

  static Peak measure(Supplier<Object> body) {
    long heapBefore = liveHeap();
    long offBefore = offHeap();
    AtomicLong heapPeak = new AtomicLong(heapBefore);
    // soft-referenced buffers (compression pools) may be dropped during the call: the floor is
    // the smallest live heap seen, not necessarily the one before it
    AtomicLong heapFloor = new AtomicLong(heapBefore);
    AtomicLong offPeak = new AtomicLong(offBefore);
    Thread sampler = new Thread(() -> {
      long nextGc = 0;
      while (!Thread.currentThread().isInterrupted()) {
        offPeak.accumulateAndGet(offHeap(), Math::max);
        if (System.nanoTime() >= nextGc) {
          long live = liveHeap();
          heapPeak.accumulateAndGet(live, Math::max);
          heapFloor.accumulateAndGet(live, Math::min);
          nextGc = System.nanoTime() + SAMPLE_MS * 1_000_000;
        }
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "medvec-memory-probe");
    sampler.setDaemon(true);
    sampler.start();
    Object result;
    try {
      result = body.get();
      heapPeak.accumulateAndGet(liveHeap(), Math::max);
    } finally {
      sampler.interrupt();
    }
    if (result == null) {
      throw new IllegalStateException("Cannot measure memory: the measured call returned null");
    }
    return new Peak(heapPeak.get() - heapFloor.get(), offPeak.get() - offBefore);
  }

  /** Heap occupancy right after a full collection. */
  private static long liveHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long offHeap() {
    long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    return direct + Pointer.totalBytes();
  }
}
