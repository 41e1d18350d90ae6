package io.medvec.core.source;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resized images (before augmentation and scaling) by example id, least recently used first out,
 * holding at most {@code maxBytes} of pixels: a second epoch over a split that fits skips decoding.
 * Thread-safe.
 */
public final class DecodedCache {

  private final long maxBytes;
  private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;

  /** A cache of at most {@code maxBytes} (0: caches nothing). */
  public DecodedCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException(
          "Cannot create decoded cache: size must be >= 0 (" + maxBytes + ")");
    }
    this.maxBytes = maxBytes;
  }

  /** The cached pixels of {@code id}, or null (counted as a miss). */
  public synchronized float[] get(String id) {
    float[] value = entries.get(id);
    if (value == null) {
      misses++;
    } else {
      hits++;
    }
    return value;
  }

  /** Keeps {@code pixels} for {@code id}, dropping the least recently used to stay in bounds. */
  public synchronized void put(String id, float[] pixels) {
    long size = 4L * pixels.length;
    if (size > maxBytes) {
      return;
    }
    float[] old = entries.put(id, pixels);
    bytes += size - (old == null ? 0 : 4L * old.length);
    var it = entries.entrySet().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      Map.Entry<String, float[]> eldest = it.next();
      bytes -= 4L * eldest.getValue().length;
      it.remove();
    }
  }

  public synchronized long bytes() {
    return bytes;
  }

  public synchronized long hits() {
    return hits;
  }

  public synchronized long misses() {
    return misses;
  }
}
