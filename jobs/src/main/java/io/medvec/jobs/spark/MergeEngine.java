package io.medvec.jobs.spark;

import org.apache.spark.sql.SparkSession;

/**
 * {@code merge.engine}: where Σ τ_j (every strategy's τ_mix and screening's inner products) is
 * computed.
 */
public enum MergeEngine {
  /** In the driver, streaming ({@code VectorSum}, {@code StrategyMerge}): one machine reads all. */
  LOCAL,
  /**
   * As a Spark job over chunk ranges ({@link SparkMerge}): the executors read, the driver joins.
   */
  SPARK,
  /**
   * {@link #SPARK} when the rule of {@link #resolve} says the cluster pays off, else {@link
   * #LOCAL}.
   */
  AUTO;

  /**
   * Bytes of vectors (K × P × 4) from which {@link #AUTO} merges on Spark, when the session has
   * more than one executor core: below it the job's start-up and the driver's joining cost more
   * than the driver's streaming sum saves (docs/merge-strategies.md "Merge engines", figures of
   * {@code bench merge-engines} in docs/benchmarks.md).
   */
  public static final long AUTO_MIN_BYTES = 1L << 30;

  /** This engine, with {@link #AUTO} decided for {@code k} vectors of {@code p} floats. */
  public MergeEngine resolve(SparkSession spark, long k, long p) {
    return resolve(spark.sparkContext().defaultParallelism(), k, p);
  }

  /**
   * This engine, with {@link #AUTO} decided for {@code k} vectors of {@code p} floats on a session
   * whose default parallelism is {@code cores}.
   */
  public MergeEngine resolve(int cores, long k, long p) {
    if (this != AUTO) {
      return this;
    }
    return cores > 1 && 4 * k * p >= AUTO_MIN_BYTES ? SPARK : LOCAL;
  }
}
