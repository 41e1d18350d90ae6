package io.medvec.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreSetTest {

  @Test
  void addAllMatchesRepeatedAdd() {
    ScoreSet one = new ScoreSet(3);
    one.add(2, new float[] {0.1f, 0.2f, 0.7f});
    one.add(0, new float[] {0.6f, 0.3f, 0.1f});
    ScoreSet bulk = new ScoreSet(3);
    bulk.addAll(new int[] {2, 0}, new float[] {0.1f, 0.2f, 0.7f, 0.6f, 0.3f, 0.1f});
    assertThat(bulk.size()).isEqualTo(2);
    for (int row = 0; row < 2; row += 1) {
      assertThat(bulk.label(row)).isEqualTo(one.label(row));
      for (int cls = 0; cls < 3; cls += 1) {
        assertThat(bulk.score(row, cls)).isEqualTo(one.score(row, cls));
      }
    }
  }

  @Test
  void mergeKeepsInputsAndConcatenates() {
    Random random = new Random(1);
    ScoreSet left = ClassificationMetricsTest.randomScores(random, 3, 40, 3);
    ScoreSet right = ClassificationMetricsTest.randomScores(random, 3, 25, 3);
    ScoreSet merged = left.merge(right);
    assertThat(merged.size()).isEqualTo(65);
    assertThat(left.size()).isEqualTo(40);
    assertThat(right.size()).isEqualTo(25);
    assertThat(merged.label(40)).isEqualTo(right.label(0));
    assertThat(merged.score(64, 2)).isEqualTo(right.score(24, 2));
    assertThat(merged.numClasses()).isEqualTo(3);
  }

  @Test
  void javaSerializationRoundTrips() throws IOException, ClassNotFoundException {
    ScoreSet scores = ClassificationMetricsTest.randomScores(new Random(2), 4, 37, 4);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(scores);
    }
    ScoreSet copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (ScoreSet) in.readObject();
    }
    assertThat(ClassificationMetrics.compute(copy))
        .isEqualTo(ClassificationMetrics.compute(scores));
    copy.add(1, new float[] {0, 1, 0, 0}); // still growable after trimming
    assertThat(copy.size()).isEqualTo(38);
  }

  @Test
  void rejectsBadInput() {
    ScoreSet scores = new ScoreSet(3);
    assertThatThrownBy(() -> scores.add(3, new float[] {0, 0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add example 0: label must be in [0, 3) (3)");
    assertThatThrownBy(() -> scores.add(-1, new float[] {0, 0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add example 0: label must be in [0, 3) (-1)");
    assertThatThrownBy(() -> scores.add(0, new float[] {0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add example: expected 3 probabilities but got 2");
    assertThatThrownBy(() -> scores.add(0, new float[] {0, Float.NaN, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add example 0: score of class 1 is not finite (NaN)");
    assertThatThrownBy(() -> scores.addAll(new int[] {0, 1}, new float[] {0, 0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add examples: 2 labels x 3 classes need 6 probabilities but got 3");
    assertThatThrownBy(() -> scores.addAll(new int[] {0, 5}, new float[6]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add example 1: label must be in [0, 3) (5)");
    assertThatThrownBy(() -> scores.merge(new ScoreSet(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot merge score sets: class counts differ (3 vs 2)");
    assertThatThrownBy(() -> new ScoreSet(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create score set: need at least 2 classes (1)");
    assertThat(scores.size()).isZero(); // failed adds leave nothing behind
  }
}
