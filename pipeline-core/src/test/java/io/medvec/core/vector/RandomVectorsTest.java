package io.medvec.core.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomVectorsTest {

  static final VectorLayout LAYOUT =
      new VectorLayout(
          List.of(
              new TensorSpec("0_W", List.of(20L, 10L), 0, 200),
                  new TensorSpec("0_b", List.of(10L), 200, 10),
              new TensorSpec("1_W", List.of(10L, 3L), 210, 30),
                  new TensorSpec("1_b", List.of(3L), 240, 3)));

  static float[] delta() {
    Random random = new Random(3);
    float[] d = new float[(int) LAYOUT.size()];
    for (int i = 0; i < 240; i++) {
      d[i] =
          (float) (random.nextGaussian() * (i < 200 ? 0.01 : 2)); // tensors of very different norms
    }
    return d; // 1_b stays zero
  }

  @Test
  void preservesEveryTensorsNormButNotItsDirection() {
    float[] delta = delta();
    float[] random = RandomVectors.matchingNorms(delta, LAYOUT, 11);
    for (TensorSpec t : LAYOUT.tensors()) {
      int from = (int) t.offset();
      int to = (int) (t.offset() + t.length());
      double expected = RandomVectors.norm(delta, from, to);
      assertThat(RandomVectors.norm(random, from, to))
          .as(t.name())
          .isCloseTo(expected, within(1e-5 * expected));
    }
    assertThat(RandomVectors.norm(random, 240, 243)).isZero();
    double dot = 0;
    for (int i = 0; i < 200; i++) {
      dot += (double) delta[i] * random[i];
    }
    double cosine = dot / (RandomVectors.norm(delta, 0, 200) * RandomVectors.norm(random, 0, 200));
    assertThat(Math.abs(cosine)).isLessThan(0.3);
  }

  @Test
  void isDeterminedByTheSeed() {
    float[] delta = delta();
    float[] first = RandomVectors.matchingNorms(delta, LAYOUT, 11);
    assertThat(RandomVectors.matchingNorms(delta.clone(), LAYOUT, 11)).containsExactly(first);
    assertThat(RandomVectors.matchingNorms(delta, LAYOUT, 12)).isNotEqualTo(first);
  }

  @Test
  void eachHospitalGetsItsOwnDirectionFromOneRunSeed() {
    float[] delta = delta();
    float[] h0 = RandomVectors.matchingNorms(delta, LAYOUT, 11, "h0");
    float[] h1 = RandomVectors.matchingNorms(delta, LAYOUT, 11, "h1");
    assertThat(RandomVectors.matchingNorms(delta, LAYOUT, 11, "h0")).containsExactly(h0);
    assertThat(RandomVectors.norm(h1, 0, 200))
        .isCloseTo(RandomVectors.norm(delta, 0, 200), within(1e-6));
    double dot = 0;
    for (int i = 0; i < 200; i++) {
      dot += (double) h0[i] * h1[i];
    }
    assertThat(Math.abs(dot) / Math.pow(RandomVectors.norm(delta, 0, 200), 2)).isLessThan(0.3);
    assertThatThrownBy(() -> RandomVectors.matchingNorms(delta, LAYOUT, 11, "h 0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot accept data-vector manifest: invalid hospital id (h 0)");
  }

  @Test
  void refusesAMismatchedOrNonFiniteDelta() {
    assertThatThrownBy(() -> RandomVectors.matchingNorms(new float[5], LAYOUT, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot draw a random vector: 5 values for a layout of 243");
    float[] bad = delta();
    bad[205] = Float.POSITIVE_INFINITY;
    assertThatThrownBy(() -> RandomVectors.matchingNorms(bad, LAYOUT, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot draw a random vector: tensor 0_b of the delta has a non-finite norm (Infinity)");
  }
}
