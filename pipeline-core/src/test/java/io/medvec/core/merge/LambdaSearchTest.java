package io.medvec.core.merge;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.merge.LambdaSearch.Candidate;
import io.medvec.core.merge.LambdaSearch.Metric;
import org.junit.jupiter.api.Test;

class LambdaSearchTest {

  private static final Candidate SMALL = new Candidate(0.25, 0.990, 0.90, 0.21);
  private static final Candidate LARGE = new Candidate(1.0, 0.991, 0.88, 0.35);

  @Test
  void aucAndAccuracyPreferHigherScores() {
    assertThat(LambdaSearch.beats(Metric.AUC, LARGE, SMALL)).isTrue();
    assertThat(LambdaSearch.beats(Metric.ACCURACY, LARGE, SMALL)).isFalse();
  }

  @Test
  void logLossPrefersTheLowerLossEvenWhenAucIsHigherElsewhere() {
    assertThat(LambdaSearch.beats(Metric.LOG_LOSS, SMALL, LARGE)).isTrue();
    assertThat(LambdaSearch.beats(Metric.LOG_LOSS, LARGE, SMALL)).isFalse();
  }

  @Test
  void tiesKeepTheIncumbent() {
    Candidate twin = new Candidate(0.5, SMALL.valAuc(), SMALL.valAccuracy(), SMALL.valLogLoss());
    for (Metric metric : Metric.values()) {
      assertThat(LambdaSearch.beats(metric, twin, SMALL)).as(metric.name()).isFalse();
    }
  }

  @Test
  void anUndefinedScoreNeverWinsAndIsReplacedByADefinedOne() {
    Candidate undefined = new Candidate(0.5, Double.NaN, 0.5, 0.7);
    assertThat(LambdaSearch.beats(Metric.AUC, undefined, SMALL)).isFalse();
    assertThat(LambdaSearch.beats(Metric.AUC, SMALL, undefined)).isTrue();
  }
}
