package io.medvec.jobs.spark;

import io.medvec.core.merge.ChunkRange;
import io.medvec.core.merge.ChunkRange.Member;
import io.medvec.core.merge.ChunkRange.Span;
import io.medvec.core.merge.TaskMemory;
import io.medvec.core.merge.screen.GramPartials;
import io.medvec.core.merge.screen.ScreenedSum;
import io.medvec.core.merge.screen.ScreeningPolicy;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.RangeMerge;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The merge as a Spark reduce over chunk ranges: each task reads the same range of chunks from all
 * K vectors ({@link ChunkRange}: column reads of only the row groups that hold the range) and
 * merges it with {@link RangeMerge}; the driver holds the vectors' metadata and the merged vector,
 * which it assembles range by range as tasks finish. The bits equal the single-JVM merge's for any
 * number of ranges and executors: every coordinate sees the same float operations in the same
 * order. Screening's inner products come from per-chunk partials ({@link GramPartials}) added on
 * the driver in chunk order, so no node holds the K vectors.
 */
public final class SparkMerge {

  private static final Logger LOG = LoggerFactory.getLogger(SparkMerge.class);

  /**
   * Bytes of input a range of a coordinate-wise merge (or of screening) holds at once (K × the
   * range): ranges are cut small enough to stay below it, at least one chunk.
   */
  static final long TASK_BYTES = 64L << 20;

  private final JavaSparkContext sc;
  private final Configuration hadoop;
  private final HadoopConf conf;
  private final int partitions;
  private final long taskBytes;
  private volatile long lastTaskRetainedBytes;
  private volatile int lastTasks;

  /**
   * Merges on {@code spark}'s executors, reading through {@code hadoop}'s file systems, in {@code
   * partitions} ranges (0: {@link #ranges}'s rule).
   */
  public SparkMerge(SparkSession spark, Configuration hadoop, int partitions) {
    this(spark, hadoop, partitions, TASK_BYTES);
  }

  /** As above, with a coordinate-wise task holding at most about {@code taskBytes} of vectors. */
  SparkMerge(SparkSession spark, Configuration hadoop, int partitions, long taskBytes) {
    if (taskBytes < 1) {
      throw new IllegalArgumentException(
          "Cannot merge on Spark: the task budget must be >= 1 byte (" + taskBytes + ")");
    }
    this.taskBytes = taskBytes;
    if (partitions < 0) {
      throw new IllegalArgumentException(
          "Cannot merge on Spark: partitions must be >= 0 (" + partitions + ")");
    }
    this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.hadoop = hadoop;
    this.conf = new HadoopConf(hadoop);
    this.partitions = partitions;
  }

  /** Runs {@code plan}; returns the merged vector. */
  public float[] run(RangeMerge plan) {
    RangeMerge ready = plan.needsStatistics() ? withStatistics(plan) : plan;
    int chunks = ChunkRange.chunks(hadoop, ready.members());
    List<Piece> pieces = pieces(ready, chunks);
    float[] out = new float[Math.toIntExact(ready.length())];
    long[] starts = new long[pieces.size()];
    long[] ends = new long[pieces.size()];
    long[] retained = {0};
    HadoopConf tasks = conf;
    run(
        pieces,
        (Piece piece) -> {
          TaskMemory.start();
          RangeMerge.Merged merged =
              ready.merge(tasks.get(), piece.span(), piece.part(), piece.parts());
          return new Done(merged, TaskMemory.peak());
        },
        (Integer index, Done done) -> {
          RangeMerge.Merged merged = done.merged();
          retained[0] = Math.max(retained[0], done.retainedBytes());
          starts[index] = merged.offset();
          ends[index] = merged.offset() + merged.values().length;
          if (merged.offset() < 0 || ends[index] > out.length) {
            throw new IllegalArgumentException(
                "Cannot merge: range "
                    + index
                    + " holds values "
                    + merged.offset()
                    + ".."
                    + ends[index]
                    + " beyond the layout's "
                    + out.length);
          }
          System.arraycopy(
              merged.values(), 0, out, Math.toIntExact(merged.offset()), merged.values().length);
        });
    requireContiguous(starts, ends, out.length);
    lastTasks = pieces.size();
    lastTaskRetainedBytes = retained[0];
    LOG.info(
        "Merged {} data vectors on Spark in {} tasks over {} chunks, at most {} bytes of buffers"
            + " per task",
        ready.members().size(),
        pieces.size(),
        chunks,
        retained[0]);
    return out;
  }

  /**
   * The most bytes of float buffers one task of the last {@link #run} held at once ({@link
   * TaskMemory}: the range's accumulator and chunks, for coordinate-wise strategies the K members'
   * values of the range and the K-wide column; Parquet's decoding buffers aside).
   */
  public long lastTaskRetainedBytes() {
    return lastTaskRetainedBytes;
  }

  /** The number of tasks of the last {@link #run}. */
  public int lastTasks() {
    return lastTasks;
  }

  /**
   * The tasks of a merge: {@link #ranges} chunk ranges; when a coordinate-wise task would hold more
   * than the task budget even with one chunk (K × the chunk × 4 bytes), each chunk is cut into that
   * many coordinate slices, every slice a task that decodes the chunk of every member and keeps
   * only its slice (memory bounded for any K, at the price of reading each chunk once per slice).
   */
  List<Piece> pieces(RangeMerge plan, int chunks) {
    List<Span> spans = ChunkRange.split(chunks, ranges(plan, chunks));
    int parts = slices(plan, chunks);
    List<Piece> pieces = new ArrayList<>();
    for (Span span : spans) {
      for (int part = 0; part < parts; part++) {
        pieces.add(new Piece(span, part, parts));
      }
    }
    return pieces;
  }

  /**
   * Slices per chunk (see {@link #pieces}): 1 unless every range is one chunk and still too big.
   */
  int slices(RangeMerge plan, int chunks) {
    if (partitions > 0 || !plan.holdsAllMembers() || chunks == 0) {
      return 1;
    }
    long k = plan.members().size();
    if (holdingRanges(Math.toIntExact(k), plan.length()) <= chunks) {
      return 1;
    }
    long chunkFloats = (plan.length() + chunks - 1) / chunks;
    long parts = (4 * k * chunkFloats + taskBytes - 1) / taskBytes;
    return (int) Math.max(1, Math.min(parts, chunkFloats));
  }

  /**
   * The plan with every member's per-vector statistic, each from its whole delta in one task
   * (memory: one vector per task).
   */
  private RangeMerge withStatistics(RangeMerge plan) {
    int k = plan.members().size();
    HadoopConf tasks = conf;
    List<Double> values =
        sc.parallelize(
                IntStream.range(0, k).boxed().toList(), Math.min(k, 2 * sc.defaultParallelism()))
            .map(j -> plan.statistic(tasks.get(), j))
            .collect();
    return plan.withStatistics(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** Σ w_j·τ_j (weights in hospital-id order, null for 1) or strategy {@code name}'s τ_mix. */
  public ScreenedSum screenedSum(
      List<StoredVector> vectors, VectorLayout layout, ScreeningPolicy policy) {
    List<StoredVector> ordered = new ArrayList<>(vectors);
    ordered.sort(Comparator.comparing(v -> v.manifest().hospital()));
    List<Member> members = ChunkRange.members(ordered, layout);
    return ScreenedSum.of(
        members.stream().map(Member::hospital).toList(),
        policy,
        () -> gram(members, layout.size()),
        weights ->
            run(
                RangeMerge.sum(
                    ordered,
                    layout,
                    weights == null
                        ? IntStream.range(0, ordered.size()).mapToDouble(j -> 1).toArray()
                        : weights)));
  }

  /**
   * τ_mix of strategy {@code name} over the vectors {@code screened} kept (see {@link
   * ScreenedSum#direction}).
   */
  public float[] direction(
      ScreenedSum screened,
      String name,
      List<StoredVector> vectors,
      VectorLayout layout,
      Map<String, String> params,
      long seed) {
    List<StoredVector> use = screened.keptFor(name, vectors);
    return use == null
        ? screened.sum()
        : run(RangeMerge.of(use, layout, MergeStrategies.get(name), params, seed));
  }

  /** The Gram matrix of {@code members}' deltas from per-chunk partials, added in chunk order. */
  public double[] gram(List<Member> members, long length) {
    int chunks = ChunkRange.chunks(hadoop, members);
    List<Span> spans =
        ChunkRange.split(chunks, Math.max(ranges(chunks), holdingRanges(members.size(), length)));
    double[] gram = new double[GramPartials.size(members.size())];
    List<List<double[]>> pending = new ArrayList<>();
    spans.forEach(s -> pending.add(null));
    int[] next = {0};
    HadoopConf tasks = conf;
    run(
        spans,
        (Span span) -> new ArrayList<>(GramPartials.ofSpan(tasks.get(), members, length, span)),
        (Integer index, ArrayList<double[]> partials) -> {
          pending.set(index, partials);
          for (; next[0] < spans.size() && pending.get(next[0]) != null; next[0]++) {
            pending.get(next[0]).forEach(p -> GramPartials.add(gram, p));
            pending.set(next[0], List.of());
          }
        });
    return gram;
  }

  /**
   * The number of ranges: {@code partitions} when set, else enough for two tasks per core of the
   * cluster and, when a task holds every member's values of its range, small enough ranges to keep
   * that below {@link #TASK_BYTES}; never more than the chunks.
   */
  int ranges(RangeMerge plan, int chunks) {
    int n = ranges(chunks);
    if (partitions == 0 && plan.holdsAllMembers()) {
      n = Math.max(n, holdingRanges(plan.members().size(), plan.length()));
    }
    return Math.max(1, Math.min(n, Math.max(chunks, 1)));
  }

  private int ranges(int chunks) {
    return partitions > 0 ? partitions : Math.max(1, Math.min(chunks, 2 * sc.defaultParallelism()));
  }

  private int holdingRanges(int k, long length) {
    return partitions > 0
        ? partitions
        : (int) Math.min(Integer.MAX_VALUE, (4L * k * length + taskBytes - 1) / taskBytes);
  }

  private <T, U> void run(List<T> spans, TaskBody<T, U> body, ResultHandler<U> handler) {
    JavaRDD<T> rdd = sc.parallelize(spans, spans.size());
    @SuppressWarnings("unchecked")
    scala.reflect.ClassTag<U> tag = (scala.reflect.ClassTag<U>) ClassTag$.MODULE$.AnyRef();
    sc.sc().runJob(rdd.rdd(), new PartitionFunction<>(body), new Handler<>(handler), tag);
  }

  /** Ranges laid end to end must cover the layout exactly. */
  private static void requireContiguous(long[] starts, long[] ends, long length) {
    for (int i = 0; i < starts.length; i++) {
      long expected = i == 0 ? 0 : ends[i - 1];
      if (starts[i] != expected) {
        throw new IllegalArgumentException(
            "Cannot merge: chunk range "
                + i
                + " starts at "
                + starts[i]
                + ", expected "
                + expected);
      }
    }
    if (ends[ends.length - 1] != length) {
      throw new IllegalArgumentException(
          "Cannot merge: the stored vectors hold "
              + ends[ends.length - 1]
              + " values, their layout "
              + length);
    }
  }

  /** One range's work on an executor. */
  @FunctionalInterface
  private interface TaskBody<T, U> extends Serializable {
    U apply(T span);
  }

  /** A task's share of a merge: slice {@code part} of {@code parts} of chunk range {@code span}. */
  record Piece(Span span, int part, int parts) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A task's merged range and the most bytes of buffers it held at once. */
  private record Done(RangeMerge.Merged merged, long retainedBytes) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A range's result on the driver, with the range's index. */
  @FunctionalInterface
  private interface ResultHandler<U> {
    void accept(Integer index, U result);
  }

  /** Runs the body on the one range of a partition. */
  private static final class PartitionFunction<T, U>
      extends AbstractFunction2<TaskContext, Iterator<T>, U> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final TaskBody<T, U> body;

    PartitionFunction(TaskBody<T, U> body) {
      this.body = body;
    }

    @Override
    public U apply(TaskContext context, Iterator<T> spans) {
      return body.apply(spans.next());
    }
  }

  private static final class Handler<U> extends AbstractFunction2<Object, U, BoxedUnit>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final transient ResultHandler<U> handler;

    Handler(ResultHandler<U> handler) {
      this.handler = handler;
    }

    @Override
    public BoxedUnit apply(Object index, U result) {
      synchronized (this) {
        handler.accept((Integer) index, result);
      }
      return BoxedUnit.UNIT;
    }
  }
}
