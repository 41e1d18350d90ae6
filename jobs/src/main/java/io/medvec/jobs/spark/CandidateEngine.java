package io.medvec.jobs.spark;

import org.apache.spark.sql.SparkSession;

/**
 * {@code merge.lambda-engine}: where the merge's candidates (every λ, and under {@code
 * merge.strategy: auto} or several {@code merge.output-layer-pull} values every strategy and μ, and
 * the controls) are scored on the validation split. Either way each candidate model is composed and
 * restored in the driver, and the metrics and the choice are computed there from the same scores.
 */
public enum CandidateEngine {
  /** In the driver, one candidate after another. */
  LOCAL,
  /**
   * In Spark tasks: the candidates of one search are serialised and broadcast once, the validation
   * split is cut into slices, and each task scores every candidate on its slice (the evaluate job's
   * fan-out, {@code ModelScoring}).
   */
  SPARK,
  /**
   * {@link #SPARK} when the session has more than one executor core and there is more than one
   * candidate, else {@link #LOCAL}.
   */
  AUTO;

  /** This engine, with {@link #AUTO} decided for a merge that scores {@code candidates} models. */
  public CandidateEngine resolve(SparkSession spark, long candidates) {
    if (this != AUTO) {
      return this;
    }
    boolean cluster = spark.sparkContext().defaultParallelism() > 1;
    return cluster && candidates > 1 ? SPARK : LOCAL;
  }
}
