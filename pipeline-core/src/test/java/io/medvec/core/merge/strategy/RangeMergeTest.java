package io.medvec.core.merge.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.FloatChunkRange;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.ChunkRange;
import io.medvec.core.merge.ChunkRange.Span;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.merge.screen.GramPartials;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningMode;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.screen.ScreeningReport;
import io.medvec.core.merge.screen.VectorScreen;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * A merge cut into chunk ranges ({@link RangeMerge}, {@link ChunkRange}) laid end to end has the
 * streamed single-JVM merge's bits, for every strategy and any cut; vectors span several Parquet
 * row groups, so ranges start and end inside row groups.
 */
class RangeMergeTest {

  /** 10 chunks of 65 536 floats per vector (2.6 MB of Parquet: three row groups). */
  static final int P = 9 * FloatChunkFile.DEFAULT_CHUNK_SIZE + 12_345;

  static final VectorLayout LAYOUT =
      new VectorLayout(List.of(new TensorSpec("0_W", List.of((long) P), 0, P)));
  static final List<String> HOSPITALS = List.of("h-c", "h-a", "h-e", "h-d", "h-b");
  static final long[] EXAMPLES = {120, 40, 75, 300, 9};
  static final long SEED = 2024;
  static final Configuration CONF = new Configuration();

  @TempDir static Path shared;
  static VectorStore store;
  static List<StoredVector> stored;
  static float[][] deltas;

  @BeforeAll
  static void publish() {
    deltas = new float[HOSPITALS.size()][P];
    Random random = new Random(11);
    for (int j = 0; j < deltas.length; j++) {
      for (int i = 0; i < P; i++) {
        deltas[j][i] = (float) (random.nextGaussian() * 1e-3 + (j == 2 ? 2e-4 : 1e-4));
      }
    }
    store = new VectorStore(CONF, HadoopFiles.qualify(CONF, shared.resolve("v").toString()));
    stored = new ArrayList<>();
    for (int j = 0; j < deltas.length; j++) {
      stored.add(store.write(manifest(HOSPITALS.get(j), EXAMPLES[j]), deltas[j], new float[0]));
    }
  }

  static VectorManifest manifest(String hospital, long n) {
    return manifest(hospital, n, LAYOUT);
  }

  static VectorManifest manifest(String hospital, long n, VectorLayout layout) {
    return new VectorManifest(
        VectorManifest.FORMAT,
        hospital,
        "test",
        "run",
        "cd".repeat(32),
        n,
        List.of(n),
        layout,
        new VectorLayout(List.of()),
        new TrainingInfo(1, 8, 1e-3, 1, 0.5, 1),
        null,
        null,
        null,
        null,
        Instant.EPOCH.toString());
  }

  static Map<String, String> params(String name) {
    return Map.of("ties", Map.of("top-k", "0.3"), "dare", Map.of("drop-rate", "0.6"))
        .getOrDefault(name, Map.of());
  }

  /** The ranges of {@code plan} merged one by one and laid end to end. */
  static float[] mergeInRanges(RangeMerge plan, int parts) {
    RangeMerge ready = plan;
    if (plan.needsStatistics()) {
      double[] stats = new double[plan.members().size()];
      for (int j = 0; j < stats.length; j++) {
        stats[j] = plan.statistic(CONF, j);
      }
      ready = plan.withStatistics(stats);
    }
    float[] out = new float[P];
    long next = 0;
    for (Span span : ChunkRange.split(ChunkRange.chunks(CONF, plan.members()), parts)) {
      RangeMerge.Merged merged = ready.merge(CONF, span);
      assertThat(merged.offset()).isEqualTo(next);
      System.arraycopy(merged.values(), 0, out, (int) next, merged.values().length);
      next += merged.values().length;
    }
    assertThat(next).isEqualTo(P);
    return out;
  }

  static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  @Test
  void vectorsSpanSeveralRowGroups() {
    assertThat(FloatChunkRange.shape(CONF, stored.get(0).vectorPath()))
        .isEqualTo(new FloatChunkRange.Shape(P, 10));
    assertThat(new java.io.File(stored.get(0).vectorPath().toUri()).length())
        .isGreaterThan(2L << 20);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"task-arithmetic", "weighted-sum", "ties", "dare", "median", "trimmed-mean"})
  void everyStrategyInRangesEqualsTheStreamedMergeBitForBit(String name) {
    MergeStrategy s = MergeStrategies.get(name);
    int[] streamed = bits(StrategyMerge.run(store, stored, LAYOUT, s, params(name), SEED));
    RangeMerge plan = RangeMerge.of(stored, LAYOUT, s, params(name), SEED);
    for (int parts : new int[] {1, 3, 7}) {
      assertThat(bits(mergeInRanges(plan, parts))).as(name + " in " + parts).isEqualTo(streamed);
    }
  }

  @Test
  void weightedSumInRangesEqualsVectorSumBitForBit() {
    List<float[]> inHospitalOrder = List.of(deltas[1], deltas[4], deltas[0], deltas[3], deltas[2]);
    double[] weights = {1, 0.37, 0, 1, 2.5};
    int[] expected = bits(VectorSum.sum(inHospitalOrder, weights));
    assertThat(bits(VectorSum.sum(store, stored, LAYOUT, weights))).isEqualTo(expected);
    assertThat(bits(mergeInRanges(RangeMerge.sum(stored, LAYOUT, weights), 4))).isEqualTo(expected);
    assertThat(bits(mergeInRanges(RangeMerge.sum(stored, LAYOUT, new double[] {1, 1, 1, 1, 1}), 3)))
        .isEqualTo(bits(VectorSum.sum(store, stored, LAYOUT)));
  }

  @Test
  void gramFromChunkPartialsEqualsTheInMemoryGramAndScreening() {
    List<float[]> inHospitalOrder = List.of(deltas[1], deltas[4], deltas[0], deltas[3], deltas[2]);
    List<ChunkRange.Member> members = ChunkRange.members(stored, LAYOUT);
    double[] inMemory = GramPartials.of(inHospitalOrder);
    assertThat(GramPartials.compute(CONF, members, P)).containsExactly(inMemory);
    for (int parts : new int[] {1, 3, 7}) {
      double[] gram = new double[inMemory.length];
      for (Span span : ChunkRange.split(10, parts)) {
        GramPartials.ofSpan(CONF, members, P, span).forEach(p -> GramPartials.add(gram, p));
      }
      assertThat(gram).as("in " + parts).containsExactly(inMemory);
    }
    ScreeningPolicy policy = new ScreeningPolicy(ScreeningMode.REJECT, 3.5, 3, 3.5, 0.0);
    List<String> sorted = members.stream().map(ChunkRange.Member::hospital).toList();
    ScreeningReport expected = VectorScreen.screen(sorted, inHospitalOrder, policy);
    ScreeningReport streamed = ScreenedSum.of(store, stored, LAYOUT, policy).report();
    assertThat(streamed.vectors()).isEqualTo(expected.vectors());
    assertThat(expected.vectors().get(0).norm())
        .isCloseTo(Math.sqrt(dot(deltas[1], deltas[1])), org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void screenedSumNoLongerNeedsTheVectorsInMemoryButKeepsTheirWeights() {
    // a scaled copy of h-a: flagged norm-high, down-weighted to the median norm
    float[] scaled = deltas[1].clone();
    for (int i = 0; i < P; i++) {
      scaled[i] *= 50;
    }
    List<StoredVector> mine = new ArrayList<>(stored);
    VectorStore own =
        new VectorStore(CONF, HadoopFiles.qualify(CONF, shared.resolve("w").toString()));
    mine.add(own.write(manifest("h-f", 10), scaled, new float[0]));
    ScreeningPolicy policy = new ScreeningPolicy(ScreeningMode.DOWN_WEIGHT, 3.5, 3, 3.5, 0.0);
    ScreenedSum screened = ScreenedSum.of(store, mine, LAYOUT, policy);
    ScreeningReport.Entry flagged = screened.report().vectors().get(5);
    assertThat(flagged.flags()).containsExactly("norm-high");
    double[] weights =
        screened.report().vectors().stream().mapToDouble(ScreeningReport.Entry::weight).toArray();
    assertThat(weights[5]).isBetween(0.01, 0.05);
    List<float[]> inOrder = List.of(deltas[1], deltas[4], deltas[0], deltas[3], deltas[2], scaled);
    assertThat(bits(screened.sum())).isEqualTo(bits(VectorSum.sum(inOrder, weights)));
  }

  @Test
  void aRangeReadsOnlyItsRowGroupsAndVerifiesPageChecksums(@TempDir Path tmp) throws IOException {
    org.apache.hadoop.fs.Path file =
        HadoopFiles.qualify(CONF, tmp.resolve("one.parquet").toString());
    String sha = FloatChunkFile.write(CONF, file, deltas[0], FloatChunkFile.DEFAULT_CHUNK_SIZE);
    java.io.File local = new java.io.File(file.toUri());
    // a byte in the middle of the last row group's values
    try (RandomAccessFile raf = new RandomAccessFile(local, "rw")) {
      long at = local.length() - 200_000;
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0x5a);
    }
    // the local file system's own checksum file would catch it first: Parquet's page CRC must
    java.nio.file.Files.delete(tmp.resolve(".one.parquet.crc"));
    List<Integer> ids = new ArrayList<>();
    FloatChunkRange.read(
        CONF, file, sha, P, 0, 2, (offset, values) -> ids.add((int) (offset / values.length)));
    assertThat(ids).containsExactly(0, 1);
    assertThatThrownBy(() -> FloatChunkRange.read(CONF, file, sha, P, 8, 10, (o, v) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read float chunks: corrupt Parquet data (" + file + ")")
        .hasRootCauseMessage("could not verify page integrity, CRC checksum verification failed");
    assertThatThrownBy(
            () -> FloatChunkRange.read(CONF, file, "0".repeat(64), P, 0, 1, (o, v) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot read float chunks: footer SHA-256 "
                + sha
                + " does not match manifest "
                + "0".repeat(64)
                + " ("
                + file
                + ")");
  }

  @Test
  void misalignedChunksAreRefusedNamingBothHospitals(@TempDir Path tmp) {
    VectorStore own = new VectorStore(CONF, HadoopFiles.qualify(CONF, tmp.toString()));
    VectorLayout small = new VectorLayout(List.of(new TensorSpec("0_W", List.of(100L), 0, 100)));
    List<StoredVector> mine = new ArrayList<>();
    for (int j = 0; j < 2; j++) {
      mine.add(
          own.write(
              manifest(HOSPITALS.get(j), 5, small), Arrays.copyOf(deltas[j], 100), new float[0]));
    }
    StoredVector second = mine.get(1);
    try {
      second.vectorPath().getFileSystem(CONF).delete(second.vectorPath(), false);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    FloatChunkFile.write(CONF, second.vectorPath(), Arrays.copyOf(deltas[1], 100), 30);
    RangeMerge plan = RangeMerge.of(mine, small, MergeStrategies.get("median"), Map.of(), 0);
    assertThatThrownBy(() -> plan.merge(CONF, new Span(0, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot merge data vectors chunk by chunk: hospital h-c has a chunk of 100 values at"
                + " offset 0 where hospital h-a has a chunk of 30 values at offset 0 (chunk 0; all"
                + " vectors must be written with the same chunk size, e.g."
                + " FloatChunkFile.DEFAULT_CHUNK_SIZE)");
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
