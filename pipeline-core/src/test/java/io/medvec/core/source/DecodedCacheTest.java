package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DecodedCacheTest {

  @Test
  void theLeastRecentlyUsedEntryGoesFirstAndTheByteBoundHolds() {
    DecodedCache cache = new DecodedCache(3 * 400); // three 100-float images
    cache.put("a", new float[100]);
    cache.put("b", new float[100]);
    cache.put("c", new float[100]);
    assertThat(cache.bytes()).isEqualTo(1200);
    assertThat(cache.get("a")).isNotNull(); // a is now the most recent
    cache.put("d", new float[100]);
    assertThat(cache.get("b")).as("b was least recently used").isNull();
    assertThat(cache.get("a")).isNotNull();
    assertThat(cache.get("c")).isNotNull();
    assertThat(cache.get("d")).isNotNull();
    assertThat(cache.bytes()).isEqualTo(1200);
    assertThat(cache.hits()).isEqualTo(4);
    assertThat(cache.misses()).isEqualTo(1);
  }

  @Test
  void replacingAnEntryCountsItsNewSizeAndOversizedImagesAreNotKept() {
    DecodedCache cache = new DecodedCache(1000);
    float[] small = new float[10];
    cache.put("x", small);
    assertThat(cache.get("x")).isSameAs(small);
    cache.put("x", new float[50]);
    assertThat(cache.bytes()).isEqualTo(200);
    cache.put("huge", new float[251]);
    assertThat(cache.get("huge")).isNull();
    assertThat(cache.get("x")).hasSize(50);
    cache.put("big", new float[200]); // 800 + 200 = 1000 fits exactly
    assertThat(cache.bytes()).isEqualTo(1000);
    cache.put("more", new float[1]);
    assertThat(cache.bytes()).isLessThanOrEqualTo(1000);
    assertThat(cache.get("x")).as("evicted, least recently used").isNull();
    DecodedCache none = new DecodedCache(0);
    none.put("x", new float[1]);
    assertThat(none.get("x")).isNull();
    assertThat(none.bytes()).isZero();
  }

  @Test
  void concurrentWritersNeverExceedTheBound() throws Exception {
    DecodedCache cache = new DecodedCache(40_000);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2000; i++) {
                    cache.put(thread + "/" + i, new float[1 + i % 97]);
                    cache.get(thread + "/" + (i / 2));
                    assertThat(cache.bytes()).isLessThanOrEqualTo(40_000);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(cache.bytes()).isBetween(1L, 40_000L);
    assertThat(cache.hits() + cache.misses()).isEqualTo(8000);
  }

  @Test
  void aNegativeSizeIsRefused() {
    assertThatThrownBy(() -> new DecodedCache(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create decoded cache: size must be >= 0 (-1)");
  }
}
