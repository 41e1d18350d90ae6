/**
 * Classification metrics (accuracy, one-vs-rest AUC, macro F1, confusion matrix) over mergeable
 * {@link io.medvec.core.eval.ScoreSet}s, so that Spark can aggregate per-partition scores and
 * compute the metrics once, independently of the merge order.
 */
package io.medvec.core.eval;
