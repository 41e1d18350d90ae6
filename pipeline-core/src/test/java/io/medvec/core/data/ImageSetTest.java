package io.medvec.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageSetTest {

  /** Three 2x1x2 images; pixel k of image n is (4n + k) / 16. */
  private static ImageSet tiny() {
    float[] pixels = new float[12];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = i / 16f;
    }
    return new ImageSet("tiny", Split.VAL, 2, 1, 2, 3, pixels, new int[] {2, 0, 2});
  }

  @Test
  void reportsSizesAndLabelCounts() {
    ImageSet set = tiny();

    assertThat(set.size()).isEqualTo(3);
    assertThat(set.imageSize()).isEqualTo(4);
    assertThat(set.labelCounts()).containsExactly(1, 0, 2);
  }

  @Test
  void subsetKeepsIndexOrderAndPixels() {
    ImageSet sub = tiny().subset(new int[] {2, 0, 2});

    assertThat(sub.labels()).containsExactly(2, 2, 2);
    assertThat(sub.pixels()).startsWith(8 / 16f, 9 / 16f, 10 / 16f, 11 / 16f, 0f).hasSize(12);
    assertThat(sub.split()).isEqualTo(Split.VAL);
    assertThat(tiny().subset(new int[0]).size()).isZero();
    assertThatThrownBy(() -> tiny().subset(new int[] {0, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot subset image set tiny/val: indices[1] must be in [0, 3) (3)");
  }

  @Test
  void equalityComparesContents() {
    assertThat(tiny()).isEqualTo(tiny()).hasSameHashCodeAs(tiny());
    assertThat(tiny()).isNotEqualTo(tiny().subset(new int[] {1, 0, 2}));
    assertThat(tiny().toString()).isEqualTo("ImageSet[tiny/val, 3 images of 2x1x2, 3 classes]");
  }

  @Test
  void refusesInconsistentLengthsLabelsAndPixels() {
    assertThatThrownBy(() -> new ImageSet("d", Split.TRAIN, 1, 2, 2, 2, new float[7], new int[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot create image set d/train: pixels length must be labels x channels x height x width"
                + " = 2 x 1 x 2 x 2 = 8 (7)");
    assertThatThrownBy(
            () -> new ImageSet("d", Split.TRAIN, 1, 1, 1, 2, new float[2], new int[] {0, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create image set d/train: label at index 1 must be in [0, 2) (2)");
    assertThatThrownBy(
            () ->
                new ImageSet(
                    "d", Split.TEST, 1, 1, 1, 2, new float[] {0.5f, Float.NaN}, new int[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot create image set d/test: pixel at index 1 must be in [0, 1] (NaN)");
    assertThatThrownBy(() -> new ImageSet("d", Split.TEST, 0, 1, 1, 2, new float[0], new int[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot create image set d/test: channels, height and width must be >= 1 (0x1x1)");
  }
}
