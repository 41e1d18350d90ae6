package io.medvec.core.merge;

import io.medvec.core.data.ImageSet;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.Metrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.model.Predictor;
import io.medvec.core.vector.VectorLayout;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks λ for θ = θ_pre + λ·τ_mix: every candidate is composed, given batch-norm statistics and
 * scored on a validation split; the best score wins and ties keep the earlier (smaller) λ. The
 * test split is never seen here.
 */
public final class LambdaSearch {

  private static final Logger LOG = LoggerFactory.getLogger(LambdaSearch.class);

  /** Validation metric used to rank candidates. */
  public enum Metric {
    AUC,
    ACCURACY
  }

  /** One candidate's validation scores. */
  public record Candidate(double lambda, double valAuc, double valAccuracy) {}

  /** The chosen model and every candidate's scores. */
  public record Choice(MultiLayerNetwork model, double lambda, List<Candidate> candidates) {}

  private LambdaSearch() {}

  /** Composes, restores and scores each λ in order; returns the best. */
  public static Choice search(
      MultiLayerNetwork base, VectorLayout layout, float[] direction, List<Double> lambdas, BatchNormSource bn,
      ImageSet validation, Metric metric, int batchSize) {
    if (lambdas.isEmpty()) {
      throw new IllegalArgumentException("Cannot choose lambda: no candidates given");
    }
    List<Candidate> candidates = new ArrayList<>();
    MultiLayerNetwork best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    double bestLambda = Double.NaN;
    for (double lambda : lambdas) {
      MultiLayerNetwork candidate = bn.apply(SyntheticWeights.compose(base, layout, direction, lambda));
      Metrics val = score(candidate, validation, batchSize);
      candidates.add(new Candidate(lambda, val.auc(), val.accuracy()));
      LOG.info("lambda {}: validation auc {} accuracy {}", lambda, val.auc(), val.accuracy());
      double s = metric == Metric.AUC ? val.auc() : val.accuracy();
      if (best == null || s > bestScore) {
        best = candidate;
        bestScore = s;
        bestLambda = lambda;
      }
    }
    return new Choice(best, bestLambda, List.copyOf(candidates));
  }

  /** Metrics of {@code net} on {@code split}. */
  public static Metrics score(MultiLayerNetwork net, ImageSet split, int batchSize) {
    ScoreSet scores = new ScoreSet(split.numClasses());
    scores.addAll(split.labels(), Predictor.predict(net, split, batchSize));
    return ClassificationMetrics.compute(scores);
  }
}
