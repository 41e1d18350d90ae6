package io.medvec.jobs;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.bytedeco.javacpp.Pointer;

/**
 * Peak memory of one call, above what was live before it. Heap: the largest heap occupancy right
 * after a garbage collection during the call (what was live, not garbage waiting to be
 * collected), including a full collection at its end while its result is still held. Off-heap:
 * direct NIO buffers plus JavaCPP (ND4J) allocations, sampled every millisecond.
 */
final class MemoryProbe {

  /** Peak bytes above the starting point. */
  record Peak(long heapBytes, long offHeapBytes) {}

  private MemoryProbe() {}

  static Peak measure(Supplier<Object> body) {
    long heapBefore = heapAfterGc();
    long offBefore = offHeap();
    AtomicLong heapPeak = new AtomicLong(heapBefore);
    AtomicLong offPeak = new AtomicLong(offBefore);
    NotificationListener listener = (Notification n, Object handback) -> {
      if (n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
        long used = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo()
            .getMemoryUsageAfterGc().entrySet().stream()
            .filter(e -> isHeapPool(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
        heapPeak.accumulateAndGet(used, Math::max);
      }
    };
    ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> ((NotificationEmitter) gc)
        .addNotificationListener(listener, null, null));
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        offPeak.accumulateAndGet(offHeap(), Math::max);
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "medvec-memory-probe");
    sampler.setDaemon(true);
    sampler.start();
    try {
      Object result = body.get();
      heapPeak.accumulateAndGet(heapAfterGc(), Math::max);
      sleep(); // GC notifications arrive on another thread
      if (result == null) {
        throw new IllegalStateException("Cannot measure memory: the body returned null");
      }
    } finally {
      sampler.interrupt();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        try {
          ((NotificationEmitter) gc).removeNotificationListener(listener);
        } catch (ListenerNotFoundException e) {
          throw new IllegalStateException("Cannot remove GC listener", e);
        }
      }
    }
    return new Peak(heapPeak.get() - heapBefore, offPeak.get() - offBefore);
  }

  private static boolean isHeapPool(String name) {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .anyMatch(p -> p.getName().equals(name) && p.getType() == MemoryType.HEAP);
  }

  private static long heapAfterGc() {
    System.gc();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return heap.getUsed();
  }

  private static long offHeap() {
    long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    return direct + Pointer.totalBytes();
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
