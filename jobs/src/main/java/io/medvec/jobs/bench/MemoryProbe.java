package io.medvec.jobs.bench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Peak off-heap memory of one call, above what was allocated before it (benchmarks only): direct
 * NIO buffers plus JavaCPP (ND4J) allocations, sampled every millisecond; native memory of
 * compression libraries is not visible. The heap is measured differently (see {@link MergeBench}):
 * sampling it needs forced collections, which Parquet's zstd decoder defers.
 */
final class MemoryProbe {

  private MemoryProbe() {}

  /** Peak bytes above the starting point. */
  static long offHeapPeak(Supplier<Object> body) {
    long before = offHeap();
    AtomicLong peak = new AtomicLong(before);
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(offHeap(), Math::max);
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "medvec-memory-probe");
    sampler.setDaemon(true);
    sampler.start();
    Object result;
    try {
      result = body.get();
      peak.accumulateAndGet(offHeap(), Math::max);
    } finally {
      sampler.interrupt();
    }
    if (result == null) {
      throw new IllegalStateException("Cannot measure memory: the measured call returned null");
    }
    return peak.get() - before;
  }

  private static long offHeap() {
    long direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct"))
            .mapToLong(BufferPoolMXBean::getMemoryUsed)
            .sum();
    return direct + Pointer.totalBytes();
  }
}
