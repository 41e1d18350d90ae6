package io.medvec.core.merge.strategy;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link MergeStrategy} to data vectors and returns the sum-like merged delta τ_mix.
 *
 * <p>Vectors are always processed in hospital-id order, whatever order they are given in, so the
 * float result is reproducible. Stored vectors are streamed. Linear strategies (task arithmetic,
 * weighted sum, DARE) read one vector at a time (memory: the output plus one chunk, whatever K);
 * coordinate-wise ones (TIES, median, trimmed mean) read all K chunk by chunk in lock-step (memory:
 * the output, K chunks and K Parquet row groups), which needs every file written with the same
 * chunk size. Strategies with a per-vector statistic (TIES' magnitude threshold) first read each
 * whole vector once, one at a time (memory: 2·P floats). The in-memory entry {@link #merge} runs
 * the same kernel and gives the same bits.
 */
public final class StrategyMerge {

  private static final Logger LOG = LoggerFactory.getLogger(StrategyMerge.class);

  private StrategyMerge() {}

  /**
   * Merges stored vectors, all of which must have {@code layout}, with {@code strategy} and its
   * parameters {@code params} (names without the {@code merge.params.} prefix; absent ones take
   * their defaults). Returns τ_mix, of length {@code layout.size()}.
   */
  public static float[] run(
      VectorStore store,
      List<StoredVector> vectors,
      VectorLayout layout,
      MergeStrategy strategy,
      Map<String, String> params,
      long seed) {
    Params parsed = Params.parse(strategy, params);
    List<StoredVector> ordered = ordered(vectors, layout);
    Cohort cohort =
        new Cohort(
            ordered.stream().map(v -> v.manifest().hospital()).toList(),
            ordered.stream().mapToLong(v -> v.manifest().examples()).toArray(),
            seed);
    Recipe recipe = strategy.recipe(parsed, cohort);
    double[] statistics =
        statistics(recipe.sparsifier(), ordered.size(), j -> store.readDelta(ordered.get(j)));
    ChunkKernel kernel = new ChunkKernel(recipe, cohort, statistics);
    float[] out = new float[Math.toIntExact(layout.size())];
    if (kernel.isLinear()) {
      streamOneByOne(store, ordered, kernel, out);
    } else {
      streamLockStep(store, ordered, kernel, out);
    }
    LOG.info(
        "Merged {} data vectors with {} {} (seed {})",
        ordered.size(),
        strategy.name(),
        parsed.values(),
        seed);
    return out;
  }

  /**
   * In-memory merge of {@code deltas[j]}, the vector of hospital {@code hospitals.get(j)} trained
   * on {@code examples[j]} examples; the inputs are not modified. Gives the same bits as {@link
   * #run} on the same vectors.
   */
  public static float[] merge(
      MergeStrategy strategy,
      Params params,
      List<String> hospitals,
      long[] examples,
      float[][] deltas,
      long seed) {
    requireShapes(strategy, params, hospitals, examples, deltas);
    Integer[] order = IntStream.range(0, deltas.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparing(hospitals::get));
    List<String> sortedIds = Arrays.stream(order).map(hospitals::get).toList();
    requireDistinct(sortedIds);
    Cohort cohort =
        new Cohort(sortedIds, Arrays.stream(order).mapToLong(j -> examples[j]).toArray(), seed);
    Recipe recipe = strategy.recipe(params, cohort);
    ChunkKernel kernel =
        new ChunkKernel(
            recipe, cohort, statistics(recipe.sparsifier(), order.length, j -> deltas[order[j]]));
    return mergeInBlocks(kernel, deltas, order);
  }

  /**
   * In-memory merge with hospitals named {@code h000000}, {@code h000001}, ... in the order of
   * {@code deltas} (names matter only to DARE's random drops).
   */
  public static float[] merge(
      MergeStrategy strategy, Params params, float[][] deltas, long[] examples, long seed) {
    List<String> ids =
        IntStream.range(0, deltas.length).mapToObj(j -> String.format("h%06d", j)).toList();
    return merge(strategy, params, ids, examples, deltas, seed);
  }

  /**
   * Runs the kernel over copies of blocks of the chunk size the store uses (the result does not
   * depend on it).
   */
  private static float[] mergeInBlocks(ChunkKernel kernel, float[][] deltas, Integer[] order) {
    float[] out = new float[deltas[0].length];
    for (int from = 0; from < out.length; from += FloatChunkFile.DEFAULT_CHUNK_SIZE) {
      int to = Math.min(out.length, from + FloatChunkFile.DEFAULT_CHUNK_SIZE);
      float[][] rows = new float[order.length][];
      for (int j = 0; j < order.length; j++) {
        rows[j] = Arrays.copyOfRange(deltas[order[j]], from, to);
      }
      kernel.merge(from, rows, out);
    }
    return out;
  }

  /** Linear recipes: one vector at a time, memory one chunk besides the output. */
  private static void streamOneByOne(
      VectorStore store, List<StoredVector> ordered, ChunkKernel kernel, float[] out) {
    for (int j = 0; j < ordered.size(); j++) {
      int member = j;
      long[] merged = {0};
      store.streamDelta(
          ordered.get(j),
          (offset, values) -> {
            kernel.accumulate(member, offset, values, out);
            merged[0] += values.length;
          });
      requireLength(merged[0], out.length);
    }
  }

  /** Coordinate-wise recipes: all K vectors chunk by chunk, memory K chunks besides the output. */
  private static void streamLockStep(
      VectorStore store, List<StoredVector> ordered, ChunkKernel kernel, float[] out) {
    long merged = 0;
    try (AlignedChunks chunks = new AlignedChunks(store, ordered)) {
      for (AlignedChunks.Block block = chunks.next(); block != null; block = chunks.next()) {
        kernel.merge(block.offset(), block.rows(), out);
        merged += block.rows()[0].length;
      }
    }
    requireLength(merged, out.length);
  }

  private static double[] statistics(
      Sparsifier sparsifier, int k, IntFunction<float[]> wholeVector) {
    double[] statistics = new double[k];
    Arrays.fill(statistics, Double.NaN);
    if (sparsifier.needsStatistic()) {
      for (int j = 0; j < k; j++) {
        statistics[j] = sparsifier.statistic(wholeVector.apply(j));
      }
    }
    return statistics;
  }

  private static List<StoredVector> ordered(List<StoredVector> vectors, VectorLayout layout) {
    if (vectors == null || vectors.isEmpty()) {
      throw new IllegalArgumentException("Cannot merge: no data vectors given");
    }
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    requireDistinct(ordered.stream().map(v -> v.manifest().hospital()).toList());
    for (StoredVector v : ordered) {
      layout.requireSameAs(v.manifest().layout(), "data vector " + v.dir());
    }
    return ordered;
  }

  private static void requireShapes(
      MergeStrategy strategy,
      Params params,
      List<String> hospitals,
      long[] examples,
      float[][] deltas) {
    if (deltas.length == 0
        || hospitals.size() != deltas.length
        || examples.length != deltas.length) {
      throw new IllegalArgumentException(
          "Cannot merge: "
              + deltas.length
              + " vectors, "
              + hospitals.size()
              + " hospital ids and "
              + examples.length
              + " example counts (need the same number, at least one)");
    }
    for (float[] delta : deltas) {
      if (delta.length != deltas[0].length) {
        throw new IllegalArgumentException(
            "Cannot merge: vectors of different lengths ("
                + delta.length
                + " and "
                + deltas[0].length
                + ")");
      }
    }
    if (!params.strategy().equals(strategy.name())) {
      throw new IllegalArgumentException(
          "Cannot merge with "
              + strategy.name()
              + ": parameters belong to strategy "
              + params.strategy());
    }
  }

  private static void requireDistinct(List<String> sortedHospitals) {
    for (int i = 1; i < sortedHospitals.size(); i++) {
      if (sortedHospitals.get(i).equals(sortedHospitals.get(i - 1))) {
        throw new IllegalArgumentException(
            "Cannot merge: two vectors claim hospital " + sortedHospitals.get(i));
      }
    }
  }

  private static void requireLength(long merged, long expected) {
    if (merged != expected) {
      throw new IllegalArgumentException(
          "Cannot merge: the stored vectors hold " + merged + " values, their layout " + expected);
    }
  }
}
