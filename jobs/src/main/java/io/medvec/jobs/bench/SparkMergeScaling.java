package io.medvec.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.io.Json;
import io.medvec.core.merge.strategy.RangeMerge;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.SparkHome;
import io.medvec.jobs.spark.SparkMerge;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench merge-scaling}: Σ τ_j through {@link SparkMerge} on the largest K of {@code
 * --merge-k} and each P of {@code --merge-p}, in a {@code local-cluster[1,1,MEM]} and a {@code
 * local-cluster[2,1,MEM]} session, each started in its own child JVM (one SparkContext per JVM)
 * with a {@link SparkHome} assembled from this JVM's class path; the two alternate ({@code --runs}
 * rounds of 1 then 2 executors) so that load from other processes hits both. Each child waits for
 * its executors, merges once untimed (executor start-up, class loading, page cache), then once
 * timed. Figures: the median wall per executor count, {@code scaling} (1-executor wall / 2-executor
 * wall), the bytes of buffers one task held at most ({@link SparkMerge#lastTaskRetainedBytes},
 * counted in the executors), the driver's heap retained by the merge (used heap after a full
 * collection with the merged vector held, minus before), and the load average at each child's
 * start.
 */
final class SparkMergeScaling {

  /** Megabytes of each local-cluster worker (executor heap 1.5 GB). */
  static final int WORKER_MB = 2048;

  private static final String EXECUTOR_HEAP = "1536m";
  private static final long START_TIMEOUT_MS = 120_000;

  private final BenchOptions options;

  SparkMergeScaling(BenchOptions options) {
    this.options = options;
  }

  List<BenchFigure> run() {
    int k = options.mergeK().stream().mapToInt(Integer::intValue).max().orElseThrow();
    Path home =
        SparkHome.assemble(
            options.dir().resolve("spark-home").toAbsolutePath(),
            System.getProperty("java.class.path"),
            "Spark (jars linked by bin/medvec bench merge-scaling from its class path)");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_HOME", home.toString());
    env.put(SparkHome.ENV_SCALA[0], SparkHome.ENV_SCALA[1]);
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    List<BenchFigure> figures = new ArrayList<>();
    for (long p : options.mergeP()) {
      Path store = options.dir().resolve("merge-spark/P=" + p).toAbsolutePath();
      MergeBench.vectors(
          new VectorStore(new Configuration(), new org.apache.hadoop.fs.Path(store.toUri())),
          Math.toIntExact(p),
          k);
      String size = "merge.spark.K=" + k + ".P=" + SparkMergeBench.sizeName(p);
      int[] executors = {1, 2};
      List<List<Double>> walls = List.of(new ArrayList<>(), new ArrayList<>());
      for (int round = 0; round < options.runs(); round++) {
        for (int e = 0; e < executors.length; e++) {
          String load = loadAverage();
          JsonNode r =
              Json.readTree(
                  ChildJvm.run(
                      SparkMergeScaling.class,
                      env,
                      store.toString(),
                      Long.toString(p),
                      Integer.toString(k),
                      Integer.toString(executors[e])),
                  "merge-scaling worker");
          double wall = r.get("wall").asDouble();
          walls.get(e).add(wall);
          String name = size + ".executors=" + executors[e];
          System.out.printf(
              Locale.ROOT,
              "  %s run %d: %.3f s, %d tasks, load average at start %s%n",
              name,
              round + 1,
              wall,
              r.get("tasks").asInt(),
              load);
          figures.add(
              BenchFigure.of(
                  name + ".run=" + (round + 1) + ".load1",
                  Double.parseDouble(load.split(" ")[0]),
                  "load"));
          figures.add(
              BenchFigure.of(
                  name + ".task_retained_bytes", r.get("task_retained_bytes").asDouble(), "bytes"));
          figures.add(
              BenchFigure.of(
                      name + ".driver_retained_bytes",
                      r.get("driver_retained_bytes").asDouble(),
                      "bytes")
                  .against(4.0 * p));
        }
      }
      double one = BenchFigure.median(walls.get(0));
      double two = BenchFigure.median(walls.get(1));
      figures.add(BenchFigure.of(size + ".executors=1.wall_s", one, "s"));
      figures.add(BenchFigure.of(size + ".executors=2.wall_s", two, "s"));
      figures.add(BenchFigure.of(size + ".scaling", one / two, "x"));
    }
    return figures;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return String.format(
          Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  /**
   * Worker: {@code STORE P K EXECUTORS}; one untimed and one timed merge in a {@code
   * local-cluster[EXECUTORS,1,WORKER_MB]} session; prints the result line.
   */
  public static void main(String[] args) throws Exception {
    Path store = Path.of(args[0]);
    int p = Integer.parseInt(args[1]);
    int k = Integer.parseInt(args[2]);
    int executors = Integer.parseInt(args[3]);
    String classPath = System.getProperty("java.class.path");
    SparkSession spark =
        SparkSession.builder()
            .appName("medvec-bench-merge-scaling")
            .master("local-cluster[" + executors + ",1," + WORKER_MB + "]")
            .config("spark.executor.memory", EXECUTOR_HEAP)
            .config("spark.executor.extraClassPath", SparkHome.directories(classPath))
            .config("spark.executorEnv.OMP_NUM_THREADS", "1")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      awaitExecutors(spark, executors);
      Configuration conf = new Configuration();
      VectorStore vs = new VectorStore(conf, new org.apache.hadoop.fs.Path(store.toUri()));
      List<StoredVector> vectors = MergeBench.vectors(vs, p, k);
      double[] ones = new double[k];
      Arrays.fill(ones, 1);
      RangeMerge plan = RangeMerge.sum(vectors, MergeBench.layout(p), ones);
      SparkMerge engine = new SparkMerge(spark, conf, 0);
      if (engine.run(plan).length != p) {
        throw new IllegalStateException("merge-scaling worker: wrong merged length");
      }
      long before = usedAfterGc();
      long start = System.nanoTime();
      float[] merged = engine.run(plan);
      double wall = (System.nanoTime() - start) / 1e9;
      long after = usedAfterGc();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("wall", wall);
      result.put("tasks", engine.lastTasks());
      result.put("task_retained_bytes", engine.lastTaskRetainedBytes());
      result.put("driver_retained_bytes", Math.max(0, after - before));
      result.put("length", merged.length);
      System.out.println(ChildJvm.RESULT_MARKER + Json.tree(result).toString());
    } finally {
      spark.stop();
    }
  }

  private static void awaitExecutors(SparkSession spark, int executors)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    // the driver counts as one entry of the executor list
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < executors + 1) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "merge-scaling worker: "
                + executors
                + " executors did not register in "
                + START_TIMEOUT_MS / 1000
                + " s");
      }
      Thread.sleep(200);
    }
  }

  private static long usedAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
