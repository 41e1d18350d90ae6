package io.medvec.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.ChunkRange;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.merge.screen.GramPartials;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningMode;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.MergeStrategy;
import io.medvec.core.merge.strategy.RangeMerge;
import io.medvec.core.merge.strategy.StrategyMerge;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.TensorSpec;
import io.medvec.core.vector.TrainingInfo;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorManifest;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.SparkTests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merge as a Spark job over chunk ranges has the single-JVM merge's bits: K = 1,000 real-format
 * vectors (the store's files, rewritten in chunks of 16 so that each has 19 chunks), every
 * strategy, 1, 3 and 7 ranges; screening's inner products from per-chunk partials equal the
 * in-memory ones.
 */
class SparkMergeTest {

  static final int P = 300;
  static final int CHUNK = 16;
  static final int K = 1_000;
  static final VectorLayout LAYOUT =
      new VectorLayout(
          List.of(
              new TensorSpec("0_W", List.of(20L, 10L), 0, 200),
              new TensorSpec("1_W", List.of(100L), 200, 100)));
  static final Configuration CONF = new Configuration();
  static final long SEED = 99;

  @TempDir static Path dir;
  static VectorStore store;
  static List<StoredVector> vectors;
  static float[][] deltas;
  static SparkSession spark;

  @BeforeAll
  static void publishThousandVectors() {
    spark = SparkTests.spark();
    store = new VectorStore(CONF, HadoopFiles.qualify(CONF, dir.resolve("vectors").toString()));
    deltas = new float[K][P];
    StoredVector[] written = new StoredVector[K];
    // publishing is I/O-bound (Parquet writer, checksum and commit per vector): 8 writers, each
    // vector still its own directory with the store's own write path
    java.util.concurrent.ForkJoinPool writers = new java.util.concurrent.ForkJoinPool(8);
    try {
      writers
          .submit(
              () ->
                  java.util.stream.IntStream.range(0, K)
                      .parallel()
                      .forEach(
                          j -> {
                            SplittableRandom random = new SplittableRandom(j);
                            for (int i = 0; i < P; i++) {
                              deltas[j][i] = (float) ((random.nextDouble() - 0.45) * 1e-2);
                            }
                            StoredVector v =
                                store.write(
                                    manifest(String.format("h%04d", j), 10 + j),
                                    deltas[j],
                                    new float[0]);
                            rewrite(v, deltas[j]);
                            written[j] = v;
                          }))
          .get();
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("Cannot publish the test's vectors", e);
    } finally {
      writers.shutdown();
    }
    vectors = new ArrayList<>(List.of(written));
  }

  static VectorManifest manifest(String hospital, long examples) {
    return new VectorManifest(
        VectorManifest.FORMAT,
        hospital,
        "test",
        "run",
        "ef".repeat(32),
        examples,
        List.of(examples),
        LAYOUT,
        new VectorLayout(List.of()),
        new TrainingInfo(1, 8, 1e-3, 1, 0.5, 1),
        null,
        null,
        null,
        null,
        Instant.EPOCH.toString());
  }

  private static StoredVector writeVector(VectorStore target, String hospital, float[] delta) {
    StoredVector v = target.write(manifest(hospital, 50), delta, new float[0]);
    rewrite(v, delta);
    return v;
  }

  /** The same content (so the same SHA-256) in chunks of {@value #CHUNK}. */
  static void rewrite(StoredVector v, float[] values) {
    try {
      v.vectorPath().getFileSystem(CONF).delete(v.vectorPath(), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FloatChunkFile.write(CONF, v.vectorPath(), values, CHUNK);
  }

  static Map<String, String> params(String name) {
    return Map.of("ties", Map.of("top-k", "0.3"), "dare", Map.of("drop-rate", "0.6"))
        .getOrDefault(name, Map.of());
  }

  static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  @Test
  void thousandVectorsSumToTheLocalBitsInAnyNumberOfRanges() {
    assertThat(ChunkRange.chunks(CONF, ChunkRange.members(vectors, LAYOUT))).isEqualTo(19);
    int[] local = bits(VectorSum.sum(store, vectors, LAYOUT));
    double[] ones = new double[K];
    java.util.Arrays.fill(ones, 1);
    for (int partitions : new int[] {1, 3, 7}) {
      float[] merged =
          new SparkMerge(spark, CONF, partitions).run(RangeMerge.sum(vectors, LAYOUT, ones));
      assertThat(bits(merged)).as(partitions + " ranges").isEqualTo(local);
    }
  }

  @Test
  void thousandVectorsThroughEveryStrategyGiveTheLocalBits() {
    for (String name : MergeStrategies.names()) {
      MergeStrategy s = MergeStrategies.get(name);
      int[] local = bits(StrategyMerge.run(store, vectors, LAYOUT, s, params(name), SEED));
      float[] merged =
          new SparkMerge(spark, CONF, 3).run(RangeMerge.of(vectors, LAYOUT, s, params(name), SEED));
      assertThat(bits(merged)).as(name).isEqualTo(local);
    }
  }

  @Test
  void everyStrategyGivesTheSameBitsInOneThreeAndSevenRanges() {
    List<StoredVector> some = vectors.subList(0, 12);
    for (String name : MergeStrategies.names()) {
      MergeStrategy s = MergeStrategies.get(name);
      int[] local = bits(StrategyMerge.run(store, some, LAYOUT, s, params(name), SEED));
      for (int partitions : new int[] {1, 3, 7, 0}) {
        float[] merged =
            new SparkMerge(spark, CONF, partitions)
                .run(RangeMerge.of(some, LAYOUT, s, params(name), SEED));
        assertThat(bits(merged)).as(name + " in " + partitions).isEqualTo(local);
      }
    }
  }

  @Test
  void screeningThousandVectorsFromPartialsEqualsTheInMemoryScreening(@TempDir Path tmp) {
    VectorStore own = new VectorStore(CONF, HadoopFiles.qualify(CONF, tmp.toString()));
    List<StoredVector> mine = new ArrayList<>(vectors);
    float[] flipped = new float[P];
    float[] scaled = new float[P];
    for (int i = 0; i < P; i++) {
      flipped[i] = -deltas[7][i];
      scaled[i] = 40 * deltas[8][i];
    }
    mine.add(writeVector(own, "x-flipped", flipped));
    mine.add(writeVector(own, "x-scaled", scaled));
    List<float[]> inOrder = new ArrayList<>(List.of(deltas));
    inOrder.add(flipped);
    inOrder.add(scaled);
    List<ChunkRange.Member> members = ChunkRange.members(mine, LAYOUT);
    double[] streamed = GramPartials.compute(CONF, members, P);
    double[] inMemory = GramPartials.of(inOrder);
    assertThat(streamed).hasSize(GramPartials.size(K + 2)).hasSize(inMemory.length);
    for (int e = 0; e < inMemory.length; e++) {
      double tolerance = 1e-12 * (1 + Math.abs(inMemory[e]));
      assertThat(streamed[e]).as("entry " + e).isCloseTo(inMemory[e], within(tolerance));
    }
    assertThat(new SparkMerge(spark, CONF, 7).gram(members, P))
        .as("7 ranges")
        .containsExactly(streamed);
    ScreeningPolicy policy = new ScreeningPolicy(ScreeningMode.DOWN_WEIGHT, 3.5, 3, 3.5, 0.0);
    ScreenedSum local = ScreenedSum.of(store, mine, LAYOUT, policy);
    ScreenedSum distributed = new SparkMerge(spark, CONF, 3).screenedSum(mine, LAYOUT, policy);
    assertThat(local.report().flagged()).contains("x-flipped", "x-scaled");
    assertThat(distributed.report().vectors()).isEqualTo(local.report().vectors());
    assertThat(bits(distributed.sum())).isEqualTo(bits(local.sum()));
  }

  @Test
  void rejectedVectorsLeaveTheStrategyOnTheSparkPath(@TempDir Path tmp) {
    VectorStore own = new VectorStore(CONF, HadoopFiles.qualify(CONF, tmp.toString()));
    List<StoredVector> mine = new ArrayList<>(vectors.subList(0, 40));
    float[] flipped = new float[P];
    for (int i = 0; i < P; i++) {
      flipped[i] = -deltas[7][i];
    }
    mine.add(writeVector(own, "x-flipped", flipped));
    ScreeningPolicy reject = new ScreeningPolicy(ScreeningMode.REJECT, 3.5, 3, 3.5, 0.0);
    ScreenedSum local = ScreenedSum.of(store, mine, LAYOUT, reject);
    ScreenedSum rejected = new SparkMerge(spark, CONF, 3).screenedSum(mine, LAYOUT, reject);
    assertThat(local.report().flagged()).containsExactly("x-flipped");
    assertThat(rejected.report().vectors()).isEqualTo(local.report().vectors());
    assertThat(bits(rejected.sum())).isEqualTo(bits(local.sum()));
    SparkMerge engine = new SparkMerge(spark, CONF, 3);
    assertThat(bits(engine.direction(rejected, "median", mine, LAYOUT, Map.of(), SEED)))
        .isEqualTo(
            bits(
                StrategyMerge.run(
                    store,
                    mine.subList(0, 40),
                    LAYOUT,
                    MergeStrategies.get("median"),
                    Map.of(),
                    SEED)));
  }

  @Test
  void aTaskOfTaskArithmeticHoldsTheSameBytesAtSixteenAndTwoHundredFiftySixVectors() {
    MergeStrategy ta = MergeStrategies.get("task-arithmetic");
    long[] retained = new long[2];
    int[] ks = {16, 256};
    for (int i = 0; i < 2; i++) {
      SparkMerge engine = new SparkMerge(spark, CONF, 3);
      engine.run(RangeMerge.of(vectors.subList(0, ks[i]), LAYOUT, ta, Map.of(), SEED));
      retained[i] = engine.lastTaskRetainedBytes();
    }
    // the largest of 3 ranges of 19 chunks: 6 chunks of 16 and the last of 12 = 108 floats, held
    // as the first member's chunks and the accumulator, plus one chunk being added
    assertThat(retained[0]).isPositive().isLessThanOrEqualTo(4L * (2 * 108 + CHUNK));
    assertThat(retained[1]).as("K = 256 against K = 16").isEqualTo(retained[0]);
  }

  @Test
  void coordinateWiseTasksSliceChunksToStayWithinTheBudgetWithTheLocalBits() {
    List<StoredVector> some = vectors.subList(0, 100);
    long budget = 4L * 100 * CHUNK / 4; // a quarter of one chunk of every member
    for (String name : List.of("median", "trimmed-mean", "ties")) {
      MergeStrategy s = MergeStrategies.get(name);
      int[] local = bits(StrategyMerge.run(store, some, LAYOUT, s, params(name), SEED));
      SparkMerge engine = new SparkMerge(spark, CONF, 0, budget);
      float[] merged = engine.run(RangeMerge.of(some, LAYOUT, s, params(name), SEED));
      assertThat(bits(merged)).as(name).isEqualTo(local);
      assertThat(engine.lastTasks()).as(name + " tasks").isEqualTo(19 * 4);
      // K x the slice, the slice's output and the K-wide column
      assertThat(engine.lastTaskRetainedBytes())
          .as(name + " bytes per task")
          .isLessThanOrEqualTo(budget + 4L * (CHUNK / 4) + 4L * 100);
      SparkMerge whole = new SparkMerge(spark, CONF, 0);
      whole.run(RangeMerge.of(some, LAYOUT, s, params(name), SEED));
      assertThat(whole.lastTaskRetainedBytes()).isGreaterThan(engine.lastTaskRetainedBytes());
    }
  }
}
