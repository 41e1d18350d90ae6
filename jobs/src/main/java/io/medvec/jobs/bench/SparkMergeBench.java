package io.medvec.jobs.bench;

import io.medvec.core.merge.VectorSum;
import io.medvec.core.merge.strategy.MergeStrategies;
import io.medvec.core.merge.strategy.RangeMerge;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.JobMain;
import io.medvec.jobs.spark.SparkMerge;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench merge} on both engines: for each K of {@code --merge-k} and P of {@code --merge-p},
 * Σ τ_j through {@link VectorSum} in the driver ({@code merge.local.…}) and through {@link
 * SparkMerge} ({@code merge.spark.…}), each against a plain Spark scan of the same files in the
 * same session ({@code spark.read.parquet}, every float of the values column decoded and added).
 * Wall time, bytes read through Hadoop file systems, throughput (vector bytes / wall) with its
 * ratio to the scan's, and the JVM's peak heap above the heap before the run (in local mode driver
 * and executors share one JVM, so the heap figure is theirs together); the most bytes of buffers
 * one Spark task held at once ({@code task_retained_bytes}, {@link
 * SparkMerge#lastTaskRetainedBytes}) for the sum and for one untimed-warm-up-free median merge
 * ({@code merge.spark.median.…}: wall, tasks, bytes per task).
 */
final class SparkMergeBench {

  private final BenchOptions options;
  private final Configuration conf = new Configuration();

  SparkMergeBench(BenchOptions options) {
    this.options = options;
  }

  List<BenchFigure> run() {
    List<BenchFigure> figures = new ArrayList<>();
    SparkSession spark = JobMain.session("bench-merge");
    try {
      for (long p : options.mergeP()) {
        VectorStore store =
            new VectorStore(conf, new Path(options.dir().resolve("merge-spark/P=" + p).toUri()));
        for (int k : options.mergeK()) {
          List<StoredVector> vectors = MergeBench.vectors(store, Math.toIntExact(p), k);
          figures.addAll(measure(spark, store, vectors, Math.toIntExact(p), k));
        }
      }
      return figures;
    } finally {
      spark.stop();
    }
  }

  private List<BenchFigure> measure(
      SparkSession spark, VectorStore store, List<StoredVector> vectors, int p, int k) {
    VectorLayout layout = MergeBench.layout(p);
    String size = "K=" + k + ".P=" + sizeName(p);
    String[] files = vectors.stream().map(v -> v.vectorPath().toString()).toArray(String[]::new);
    double[] ones = new double[k];
    Arrays.fill(ones, 1);
    SparkMerge engine = new SparkMerge(spark, conf, 0);
    long[] bytes = new long[2];
    long[] heap = new long[2];
    int runs = options.runs();
    double scan =
        ModelBench.median(
            options.warmup(), runs, () -> MergeBench.seconds(() -> scan(spark, files)));
    double local =
        ModelBench.median(
            options.warmup(),
            runs,
            () -> timed(bytes, heap, 0, () -> VectorSum.sum(store, vectors, layout).length));
    double distributed =
        ModelBench.median(
            options.warmup(),
            runs,
            () ->
                timed(
                    bytes,
                    heap,
                    1,
                    () -> engine.run(RangeMerge.sum(vectors, layout, ones)).length));
    long sumRetained = engine.lastTaskRetainedBytes();
    int sumTasks = engine.lastTasks();
    SparkMerge median = new SparkMerge(spark, conf, 0);
    double medianWall =
        MergeBench.seconds(
            () ->
                median.run(
                        RangeMerge.of(vectors, layout, MergeStrategies.get("median"), Map.of(), 0))
                    .length);
    double vectorBytes = 4.0 * p * k;
    List<BenchFigure> figures = new ArrayList<>();
    figures.add(
        BenchFigure.of("merge.spark." + size + ".task_retained_bytes", sumRetained, "bytes"));
    figures.add(BenchFigure.of("merge.spark." + size + ".tasks", sumTasks, "tasks"));
    figures.add(BenchFigure.of("merge.spark.median." + size + ".wall", medianWall, "s"));
    figures.add(
        BenchFigure.of(
            "merge.spark.median." + size + ".task_retained_bytes",
            median.lastTaskRetainedBytes(),
            "bytes"));
    figures.add(
        BenchFigure.of("merge.spark.median." + size + ".tasks", median.lastTasks(), "tasks"));
    figures.add(BenchFigure.of("merge.scan." + size + ".wall", scan, "s"));
    String[] engines = {"local", "spark"};
    double[] walls = {local, distributed};
    for (int e = 0; e < 2; e++) {
      String name = "merge." + engines[e] + "." + size;
      figures.add(BenchFigure.of(name + ".wall", walls[e], "s").against(scan));
      figures.add(BenchFigure.of(name + ".bytes-read", bytes[e], "bytes"));
      figures.add(
          BenchFigure.of(name + ".throughput", vectorBytes / walls[e] / 1e6, "MB/s")
              .against(vectorBytes / scan / 1e6));
      figures.add(BenchFigure.of(name + ".peak-heap", heap[e], "bytes").against(4.0 * p));
    }
    return figures;
  }

  /** Times {@code body}; records its bytes read and the peak heap above the heap before it. */
  private static double timed(
      long[] bytes, long[] heap, int slot, java.util.function.LongSupplier body) {
    System.gc();
    long before = MergeBench.bytesRead();
    long floor = heapUsed();
    resetPeaks();
    double seconds = MergeBench.seconds(body);
    bytes[slot] = MergeBench.bytesRead() - before;
    heap[slot] = Math.max(0, peakHeap() - floor);
    return seconds;
  }

  /** Decodes and adds every float of the files' values column through Spark SQL. */
  private static long scan(SparkSession spark, String[] files) {
    Object total =
        spark
            .read()
            .parquet(files)
            .selectExpr("aggregate(`values`, cast(0 as double), (a, x) -> a + x) as s")
            .agg(org.apache.spark.sql.functions.sum("s"))
            .first()
            .get(0);
    return total == null ? -1 : files.length;
  }

  static String sizeName(long p) {
    int exponent = (int) Math.floor(Math.log10(p));
    double mantissa = p / Math.pow(10, exponent);
    return mantissa == 1
        ? "1e" + exponent
        : String.format(Locale.ROOT, "%se%d", trim(mantissa), exponent);
  }

  private static String trim(double mantissa) {
    String s = String.format(Locale.ROOT, "%.2f", mantissa);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  private static List<MemoryPoolMXBean> heapPools() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP)
        .toList();
  }

  private static long heapUsed() {
    return heapPools().stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();
  }

  private static void resetPeaks() {
    heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
  }

  private static long peakHeap() {
    return heapPools().stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
  }
}
