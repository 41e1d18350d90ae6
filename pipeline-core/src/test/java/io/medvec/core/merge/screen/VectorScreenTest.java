package io.medvec.core.merge.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.vector.IncompatibleVectorException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VectorScreenTest {

  static final List<String> HOSPITALS = List.of("h0", "h1", "h2", "h3", "h4");

  /**
   * Honest vectors: a shared direction plus independent noise of similar size, norms within ±20%.
   */
  static List<float[]> honest(int k, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] common = new float[2000];
    for (int i = 0; i < common.length; i++) {
      common[i] = (float) rng.nextGaussian();
    }
    List<float[]> out = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      float[] v = new float[common.length];
      double scale = 0.8 + 0.1 * j;
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (scale * (common[i] + rng.nextGaussian()));
      }
      out.add(v);
    }
    return out;
  }

  static float[] scaled(float[] v, float factor) {
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= factor;
    }
    return out;
  }

  static ScreeningPolicy policy(ScreeningMode mode) {
    return new ScreeningPolicy(mode, 3.5, 3.0, 3.5, 0.0);
  }

  @Test
  void honestVectorsAreNotFlagged() {
    ScreeningReport report =
        VectorScreen.screen(HOSPITALS, honest(5, 1), policy(ScreeningMode.REJECT));
    assertThat(report.applied()).isTrue();
    assertThat(report.flagged()).isEmpty();
    assertThat(report.unweighted()).isTrue();
    assertThat(report.vectors()).allSatisfy(e -> assertThat(e.medianCosine()).isGreaterThan(0.3));
  }

  @Test
  void hundredfoldNormIsRejected() {
    List<float[]> vectors = honest(5, 2);
    vectors.set(3, scaled(vectors.get(3), 100));
    ScreeningReport report = VectorScreen.screen(HOSPITALS, vectors, policy(ScreeningMode.REJECT));
    assertThat(report.flagged()).containsExactly("h3");
    assertThat(report.vectors().get(3).flags()).containsExactly("norm-high");
    assertThat(report.vectors().get(3).weight()).isZero();
    assertThat(report.note()).contains("h3").contains("norm-high");
  }

  @Test
  void downWeightBringsALongVectorToTheMedianNorm() {
    List<float[]> vectors = honest(5, 3);
    vectors.set(1, scaled(vectors.get(1), 100));
    ScreeningReport report =
        VectorScreen.screen(HOSPITALS, vectors, policy(ScreeningMode.DOWN_WEIGHT));
    ScreeningReport.Entry e = report.vectors().get(1);
    assertThat(e.norm() * e.weight())
        .isCloseTo(report.medianNorm(), within(1e-9 * report.medianNorm()));
  }

  @Test
  void signFlippedVectorIsFlaggedByDirection() {
    List<float[]> vectors = honest(5, 4);
    vectors.set(0, scaled(vectors.get(0), -1));
    ScreeningReport report =
        VectorScreen.screen(HOSPITALS, vectors, policy(ScreeningMode.DOWN_WEIGHT));
    assertThat(report.flagged()).containsExactly("h0");
    assertThat(report.vectors().get(0).flags()).containsExactly("cosine");
    assertThat(report.vectors().get(0).medianCosine()).isNegative();
    assertThat(report.vectors().get(0).weight()).isZero();
  }

  @Test
  void warnFlagsButKeepsEveryWeight() {
    List<float[]> vectors = honest(5, 5);
    vectors.set(2, scaled(vectors.get(2), 100));
    ScreeningReport report = VectorScreen.screen(HOSPITALS, vectors, policy(ScreeningMode.WARN));
    assertThat(report.flagged()).containsExactly("h2");
    assertThat(report.unweighted()).isTrue();
  }

  @Test
  void aFlaggedHalfIsRefused() {
    List<float[]> vectors = honest(4, 6);
    vectors.set(2, scaled(vectors.get(2), 100));
    vectors.set(3, scaled(vectors.get(3), -1));
    assertThatThrownBy(
            () ->
                VectorScreen.screen(HOSPITALS.subList(0, 4), vectors, policy(ScreeningMode.REJECT)))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining("flagged 2 of 4")
        .hasMessageContaining("h2 [norm-high]")
        .hasMessageContaining("h3 [cosine]");
    assertThat(
            VectorScreen.screen(HOSPITALS.subList(0, 4), vectors, policy(ScreeningMode.WARN))
                .flagged())
        .containsExactly("h2", "h3");
  }

  @Test
  void tooFewVectorsAreNotScreened() {
    ScreeningReport report =
        VectorScreen.screen(HOSPITALS.subList(0, 2), honest(2, 7), policy(ScreeningMode.REJECT));
    assertThat(report.applied()).isFalse();
    assertThat(report.note()).contains("at least 3");
    assertThat(report.unweighted()).isTrue();
  }

  @Test
  void unitWeightsGiveThePlainFloatSum() {
    List<float[]> vectors = honest(3, 8);
    float[] sum = VectorSum.sum(vectors, new double[] {1, 1, 1});
    for (int i = 0; i < sum.length; i++) {
      float plain = 0;
      plain += vectors.get(0)[i];
      plain += vectors.get(1)[i];
      plain += vectors.get(2)[i];
      assertThat(sum[i]).isEqualTo(plain);
    }
  }

  @Test
  void robustZScoresIgnoreTheOutlierAndStayFinite() {
    double[] z = RobustStats.zScores(new double[] {1, 1, 1, 50});
    assertThat(z[0]).isZero();
    assertThat(z[3]).isEqualTo(Double.MAX_VALUE);
    assertThat(RobustStats.zScores(new double[] {1, 2, 3, 4, 100})[4]).isGreaterThan(30);
  }

  @Test
  void policyIsReadFromConfigAndValidated() {
    ConfigMap map = ConfigMap.parse("merge: {screening: {mode: down-weight, norm-z: 5}}", "test");
    ScreeningPolicy p = ScreeningPolicy.from(map.section("merge"));
    assertThat(p.mode()).isEqualTo(ScreeningMode.DOWN_WEIGHT);
    assertThat(p.normZ()).isEqualTo(5.0);
    assertThat(ScreeningPolicy.from(ConfigMap.empty().section("merge")))
        .isEqualTo(ScreeningPolicy.defaults());
    ConfigMap bad = ConfigMap.parse("merge: {screening: {mode: ignore}}", "test");
    assertThatThrownBy(() -> ScreeningPolicy.from(bad.section("merge")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("merge.screening.mode")
        .hasMessageContaining("ignore");
  }
}
