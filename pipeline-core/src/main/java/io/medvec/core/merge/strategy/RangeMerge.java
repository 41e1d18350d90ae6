package io.medvec.core.merge.strategy;

import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.merge.ChunkRange;
import io.medvec.core.merge.ChunkRange.Member;
import io.medvec.core.merge.ChunkRange.Span;
import io.medvec.core.merge.TaskMemory;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * One merge cut by chunk range, so that each range can be merged in its own task (engine-free and
 * serializable: a plan built where the vectors are listed, {@link #merge} run where the range is
 * read). Every range applies the same {@link ChunkKernel} to the same values in the same order as
 * {@link StrategyMerge#run} (or, for a plain weighted sum, {@link VectorSum}'s accumulation), so
 * the merged ranges laid end to end have the single-JVM merge's bits for any cut.
 *
 * <p>A task of a linear recipe (task arithmetic, weighted sum, DARE, the weighted sum) reads the
 * members one at a time, accumulating in hospital order (memory: the range's output plus one row
 * group); a coordinate-wise one (TIES, median, trimmed mean) holds K × the range. Per-vector
 * statistics (TIES' magnitude threshold) come from {@link #statistic} over each whole vector first.
 */
public final class RangeMerge implements Serializable {

  private static final long serialVersionUID = 1L;

  /** A merged range: the values of coordinates {@code offset, offset + 1, …}. */
  public record Merged(long offset, float[] values) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Strategy name, or null for the plain weighted sum. */
  private final String strategy;

  private final HashMap<String, String> params;
  private final ArrayList<Member> members;
  private final long length;
  private final long seed;
  private final double[] statistics;
  private final float[] weights;

  private RangeMerge(
      String strategy,
      Map<String, String> params,
      List<Member> members,
      long length,
      long seed,
      double[] statistics,
      float[] weights) {
    this.strategy = strategy;
    this.params = new HashMap<>(params);
    this.members = new ArrayList<>(members);
    this.length = length;
    this.seed = seed;
    this.statistics = statistics;
    this.weights = weights;
  }

  /**
   * {@code strategy} with {@code params} (names without the {@code merge.params.} prefix) over
   * {@code vectors}, each of which must have {@code layout}.
   */
  public static RangeMerge of(
      List<StoredVector> vectors,
      VectorLayout layout,
      MergeStrategy strategy,
      Map<String, String> params,
      long seed) {
    Params.parse(strategy, params);
    List<Member> members = ChunkRange.members(vectors, layout);
    double[] none = new double[members.size()];
    Arrays.fill(none, Double.NaN);
    return new RangeMerge(strategy.name(), params, members, layout.size(), seed, none, null);
  }

  /**
   * Σ w_j·τ_j with {@code weights[j]} (rounded to float) for the j-th vector in hospital-id order:
   * {@link VectorSum}'s bits (unit weights: the plain sum's).
   */
  public static RangeMerge sum(List<StoredVector> vectors, VectorLayout layout, double[] weights) {
    List<Member> members = ChunkRange.members(vectors, layout);
    if (weights.length != members.size()) {
      throw new IllegalArgumentException(
          "Cannot sum: " + members.size() + " vectors for " + weights.length + " weights");
    }
    float[] w = new float[weights.length];
    for (int j = 0; j < w.length; j++) {
      w[j] = (float) weights[j];
    }
    return new RangeMerge(null, Map.of(), members, layout.size(), 0, new double[w.length], w);
  }

  /** The vectors, in hospital-id order. */
  public List<Member> members() {
    return List.copyOf(members);
  }

  /** The vectors' length P. */
  public long length() {
    return length;
  }

  /** Whether {@link #statistic} must be computed for every member before {@link #merge}. */
  public boolean needsStatistics() {
    return strategy != null && recipe().sparsifier().needsStatistic();
  }

  /**
   * Whether a range's task holds every member's values of the range at once (coordinate-wise
   * recipes), rather than one member at a time.
   */
  public boolean holdsAllMembers() {
    return strategy != null && !kernel().isLinear();
  }

  /** Member {@code member}'s per-vector statistic, from its whole delta (checksum-verified). */
  public double statistic(Configuration conf, int member) {
    Member m = members.get(member);
    float[] delta = FloatChunkFile.readAll(conf, new Path(m.path()));
    if (delta.length != length || !FloatChunkFile.sha256(delta).equals(m.sha256())) {
      throw new IllegalArgumentException(
          "Cannot use data vector file "
              + m.path()
              + ": its content does not match the manifest's SHA-256 "
              + m.sha256());
    }
    return recipe().sparsifier().statistic(delta);
  }

  /** This plan with the members' statistics (from {@link #statistic}). */
  public RangeMerge withStatistics(double[] values) {
    if (values.length != members.size()) {
      throw new IllegalArgumentException(
          "Cannot merge: "
              + values.length
              + " vector statistics for "
              + members.size()
              + " vectors");
    }
    return new RangeMerge(strategy, params, members, length, seed, values.clone(), weights);
  }

  /** Merges chunks {@code span} of every member. */
  public Merged merge(Configuration conf, Span span) {
    return merge(conf, span, 0, 1);
  }

  /**
   * Merges slice {@code part} of {@code parts} equal slices of the coordinates of {@code span} (one
   * part: the whole span; several: a span of one chunk, coordinate-wise recipes only), so that a
   * coordinate-wise task holds K × the slice rather than K × a chunk. The buffers a task holds are
   * counted in {@link TaskMemory}.
   */
  public Merged merge(Configuration conf, Span span, int part, int parts) {
    if (parts > 1 && !holdsAllMembers()) {
      throw new IllegalArgumentException(
          "Cannot merge a slice of a chunk: "
              + (strategy == null ? "the weighted sum" : strategy)
              + " accumulates whole chunks member after member");
    }
    if (holdsAllMembers()) {
      ChunkRange.Block block = ChunkRange.readAll(conf, members, length, span, part, parts);
      long[] starts = block.starts();
      float[] out = new float[Math.toIntExact(starts[starts.length - 1] - starts[0])];
      TaskMemory.hold(out.length);
      ChunkKernel kernel = kernel();
      for (int c = 0; c < block.rows().length; c++) {
        kernel.merge(starts[c], block.rows()[c], out, starts[0]);
        for (float[] row : block.rows()[c]) {
          TaskMemory.release(row.length);
        }
        block.rows()[c] = null;
      }
      return new Merged(starts[0], out);
    }
    ChunkKernel kernel = strategy == null ? null : kernel();
    Accumulator acc = new Accumulator(kernel);
    long[] starts = ChunkRange.read(conf, members, length, span, acc);
    return new Merged(starts[0], acc.finish(starts));
  }

  /**
   * Member after member into the range's output; the first member's chunks wait until the range's
   * size is known (its last chunk).
   */
  private final class Accumulator implements ChunkRange.Sink {
    private final ChunkKernel kernel;
    private final List<float[]> first = new ArrayList<>();
    private final List<Long> firstOffsets = new ArrayList<>();
    private float[] out;
    private long origin;

    Accumulator(ChunkKernel kernel) {
      this.kernel = kernel;
    }

    @Override
    public void accept(int member, long offset, float[] values) {
      TaskMemory.hold(values.length);
      if (member == 0) {
        first.add(values);
        firstOffsets.add(offset);
        return;
      }
      if (out == null) {
        flushFirst(offset);
      }
      add(member, offset, values);
      TaskMemory.release(values.length);
    }

    private void flushFirst(long start) {
      long size = 0;
      for (float[] v : first) {
        size += v.length;
      }
      origin = firstOffsets.isEmpty() ? start : firstOffsets.get(0);
      out = new float[Math.toIntExact(size)];
      TaskMemory.hold(out.length);
      for (int c = 0; c < first.size(); c++) {
        add(0, firstOffsets.get(c), first.get(c));
        TaskMemory.release(first.get(c).length);
      }
      first.clear();
    }

    private void add(int member, long offset, float[] values) {
      if (kernel != null) {
        kernel.accumulate(member, offset, values, out, origin);
      } else {
        VectorSum.requireFinite(values, offset, members.get(member).path());
        VectorSum.accumulate(out, offset - origin, values, weights[member]);
      }
    }

    float[] finish(long[] starts) {
      if (out == null) {
        flushFirst(starts[0]);
      }
      return out;
    }
  }

  private Recipe recipe() {
    MergeStrategy s = MergeStrategies.get(strategy);
    return s.recipe(Params.parse(s, params), cohort());
  }

  private ChunkKernel kernel() {
    return new ChunkKernel(recipe(), cohort(), statistics);
  }

  private Cohort cohort() {
    return new Cohort(
        members.stream().map(Member::hospital).toList(),
        members.stream().mapToLong(Member::examples).toArray(),
        seed);
  }
}
