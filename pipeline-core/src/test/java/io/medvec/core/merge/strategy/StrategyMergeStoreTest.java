package io.medvec.core.merge.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming driver on vectors stored in a real {@link VectorStore}, written in small chunks.
 */
class StrategyMergeStoreTest {

  static final String BASE = "ab".repeat(32);
  static final VectorLayout LAYOUT =
      new VectorLayout(
          List.of(
              new TensorSpec("0_W", List.of(5L, 3L), 0, 15),
              new TensorSpec("0_b", List.of(3L), 15, 3),
              new TensorSpec("1_W", List.of(3L, 4L), 18, 12)));
  static final VectorLayout BN_LAYOUT =
      new VectorLayout(List.of(new TensorSpec("1_mean", List.of(2L), 0, 2)));
  static final List<String> HOSPITALS = List.of("h-c", "h-a", "h-d", "h-b");
  static final long[] EXAMPLES = {120, 40, 75, 300};
  static final long SEED = 2024;

  // publishing is slow (Hadoop + Parquet), so read-only tests share one store
  @TempDir static Path shared;
  @TempDir Path tmp;
  static final Configuration CONF = new Configuration();
  static VectorStore store;
  static List<StoredVector> stored;
  static float[][] deltas;

  @BeforeAll
  static void publishVectorsInChunksOfSeven() {
    deltas = new float[HOSPITALS.size()][(int) LAYOUT.size()];
    Random random = new Random(5);
    for (float[] delta : deltas) {
      for (int i = 0; i < delta.length; i++) {
        delta[i] = (float) random.nextGaussian();
      }
    }
    store = newStore(shared);
    stored = publish(store);
  }

  static VectorStore newStore(Path dir) {
    return new VectorStore(CONF, HadoopFiles.qualify(CONF, dir.resolve("vectors").toString()));
  }

  static List<StoredVector> publish(VectorStore target) {
    List<StoredVector> published = new ArrayList<>();
    for (int j = 0; j < HOSPITALS.size(); j++) {
      StoredVector v =
          target.write(manifest(HOSPITALS.get(j), EXAMPLES[j]), deltas[j], new float[] {1f, 2f});
      rewriteDelta(v, deltas[j], 7);
      published.add(v);
    }
    return published;
  }

  static VectorManifest manifest(String hospital, long n) {
    return new VectorManifest(
        VectorManifest.FORMAT,
        hospital,
        "test",
        "run",
        BASE,
        n,
        List.of(n),
        LAYOUT,
        BN_LAYOUT,
        new TrainingInfo(1, 8, 1e-3, 1, 0.5, 1),
        null,
        null,
        null,
        null,
        Instant.EPOCH.toString());
  }

  /**
   * Same content (so the same SHA-256) in another chunk size: the store itself always uses 65536.
   */
  static void rewriteDelta(StoredVector v, float[] values, int chunkSize) {
    try {
      v.vectorPath().getFileSystem(CONF).delete(v.vectorPath(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FloatChunkFile.write(CONF, v.vectorPath(), values, chunkSize);
  }

  Map<String, String> params(String name) {
    return Map.of(
            "ties",
            Map.of("top-k", "0.3"),
            "dare",
            Map.of("drop-rate", "0.6"),
            "trimmed-mean",
            Map.of("trim", "0.25"))
        .getOrDefault(name, Map.of());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"task-arithmetic", "weighted-sum", "ties", "dare", "median", "trimmed-mean"})
  void streamingEqualsTheInMemoryMergeBitForBitWhateverTheInputOrder(String name) {
    MergeStrategy s = MergeStrategies.get(name);
    float[] inMemory =
        StrategyMerge.merge(s, Params.parse(s, params(name)), HOSPITALS, EXAMPLES, deltas, SEED);
    float[] streamed = StrategyMerge.run(store, stored, LAYOUT, s, params(name), SEED);
    assertThat(streamed).hasSize((int) LAYOUT.size()).containsExactly(inMemory);
    List<StoredVector> reversed = new ArrayList<>(stored);
    Collections.reverse(reversed);
    assertThat(StrategyMerge.run(store, reversed, LAYOUT, s, params(name), SEED))
        .containsExactly(inMemory);
  }

  @Test
  void taskArithmeticReproducesVectorSumBitForBit() {
    float[] sum = VectorSum.sum(store, stored, LAYOUT);
    assertThat(
            StrategyMerge.run(
                store, stored, LAYOUT, MergeStrategies.get("task-arithmetic"), Map.of(), 0))
        .containsExactly(sum);
  }

  @Test
  void screeningsInMemorySumWithUnitWeightsIsTheStreamedSumBitForBit() {
    List<float[]> inHospitalOrder =
        List.of(deltas[1], deltas[3], deltas[0], deltas[2]); // h-a, h-b, h-c, h-d
    float[] inMemory = VectorSum.sum(inHospitalOrder, new double[] {1, 1, 1, 1});
    assertThat(inMemory).containsExactly(VectorSum.sum(store, stored, LAYOUT));
  }

  @Test
  void tiesAndDareChangeTheSum() {
    float[] sum = VectorSum.sum(store, stored, LAYOUT);
    for (String name : List.of("ties", "dare", "median")) {
      assertThat(
              StrategyMerge.run(
                  store, stored, LAYOUT, MergeStrategies.get(name), params(name), SEED))
          .as(name)
          .isNotEqualTo(sum);
    }
  }

  @Test
  void misalignedChunksAreRefusedNamingBothHospitals() {
    VectorStore own = newStore(tmp);
    List<StoredVector> mine = publish(own);
    rewriteDelta(mine.get(2), deltas[2], 5);
    assertThatThrownBy(
            () -> StrategyMerge.run(own, mine, LAYOUT, MergeStrategies.get("median"), Map.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot merge data vectors chunk by chunk: hospital h-d has a chunk of 5 values at offset 0"
                + " where hospital h-a has a chunk of 7 values at offset 0 (all vectors must be written with the same"
                + " chunk size, e.g. FloatChunkFile.DEFAULT_CHUNK_SIZE)");
  }

  @Test
  void linearStrategiesReadOneVectorAtATimeSoChunkSizesMayDiffer() {
    VectorStore own = newStore(tmp);
    List<StoredVector> mine = publish(own);
    rewriteDelta(mine.get(2), deltas[2], 5);
    rewriteDelta(mine.get(3), deltas[3], FloatChunkFile.DEFAULT_CHUNK_SIZE);
    for (String name : List.of("task-arithmetic", "weighted-sum", "dare")) {
      assertThat(
              StrategyMerge.run(own, mine, LAYOUT, MergeStrategies.get(name), params(name), SEED))
          .as(name)
          .containsExactly(
              StrategyMerge.run(
                  store, stored, LAYOUT, MergeStrategies.get(name), params(name), SEED));
    }
  }

  @Test
  void aCorruptVectorFailsTheMergeAgainstItsManifestChecksum() {
    VectorStore own = newStore(tmp);
    List<StoredVector> mine = publish(own);
    float[] tampered = deltas[1].clone();
    tampered[20] += 1f;
    rewriteDelta(mine.get(1), tampered, 7);
    assertThatThrownBy(
            () -> StrategyMerge.run(own, mine, LAYOUT, MergeStrategies.get("median"), Map.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot read float chunks: content SHA-256 ")
        .hasMessageContaining(" does not match manifest " + mine.get(1).manifest().vectorSha256());
  }

  @Test
  void badRequestsAreRefused() {
    MergeStrategy ties = MergeStrategies.get("ties");
    assertThatThrownBy(() -> StrategyMerge.run(store, stored, LAYOUT, ties, Map.of("k", "0.2"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot configure merge strategy ties: unknown parameter 'k' (valid: top-k)");
    assertThatThrownBy(() -> StrategyMerge.run(store, List.of(), LAYOUT, ties, Map.of(), 0))
        .hasMessage("Cannot merge: no data vectors given");
    assertThatThrownBy(
            () ->
                StrategyMerge.run(
                    store, List.of(stored.get(0), stored.get(0)), LAYOUT, ties, Map.of(), 0))
        .hasMessage("Cannot merge: two vectors claim hospital h-c");
    VectorLayout other = new VectorLayout(List.of(new TensorSpec("0_W", List.of(30L), 0, 30)));
    assertThatThrownBy(() -> StrategyMerge.run(store, stored, other, ties, Map.of(), 0))
        .hasMessageStartingWith("Cannot use data vector ")
        .hasMessageContaining(
            "its parameter layout [0_W[5, 3], 0_b[3], 1_W[3, 4]] differs from the expected [0_W[30]]");
  }
}
