package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.source.Preprocessing.Channels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Seeded augmentation of real ISIC images at 64x64: reproducible, and within its bounds. */
class AugmentationTest {

  private static final int SIZE = 64;
  private static final int PLANE = SIZE * SIZE;
  private static final Augmentation ALL = new Augmentation(true, true, true, 15, 0.8, 0.1, 0.2);
  private static float[] image;
  private static String id;

  @BeforeAll
  static void loadARealImage() throws IOException {
    Path jpeg;
    try (var files = Files.list(Sources.isic().resolve("train/melanoma"))) {
      jpeg = files.sorted().findFirst().orElseThrow();
    }
    id = "train/melanoma/" + jpeg.getFileName();
    DecodedImage decoded =
        ImageDecoders.standard().decode(Files.readAllBytes(jpeg), jpeg.toString());
    image = Preprocessing.unit(SIZE, Channels.RGB).resized(decoded);
  }

  @Test
  void theSameSeedEpochAndImageGiveTheSamePixelsAndAnyChangeOthers() {
    float[] before = image.clone();
    float[] once = apply(ALL, 7, 1, id);
    assertThat(apply(ALL, 7, 1, id)).isEqualTo(once);
    assertThat(
            new Augmentation(true, true, true, 15, 0.8, 0.1, 0.2)
                .apply(image, 3, SIZE, SIZE, 7, 1, id))
        .as("an equal declaration")
        .isEqualTo(once);
    Set<List<Float>> distinct = new HashSet<>();
    distinct.add(head(once));
    distinct.add(head(apply(ALL, 8, 1, id)));
    distinct.add(head(apply(ALL, 7, 2, id)));
    distinct.add(head(apply(ALL, 7, 1, id + "x")));
    assertThat(distinct).as("seed, epoch and id each change the draw").hasSize(4);
    assertThat(image).as("the input is not modified").isEqualTo(before);
  }

  @Test
  void disabledAugmentationReturnsTheInputItself() {
    assertThat(Augmentation.NONE.apply(image, 3, SIZE, SIZE, 1, 1, id)).isSameAs(image);
    Augmentation identity = new Augmentation(true, false, false, 0, 1, 0, 0);
    float[] out = apply(identity, 1, 1, id);
    for (int i = 0; i < out.length; i++) {
      assertThat((double) out[i]).isCloseTo(image[i], within(1e-5));
    }
  }

  @Test
  void flipsAloneGiveTheImageOrItsMirrorAndBothHappen() {
    Augmentation flip = new Augmentation(true, true, false, 0, 1, 0, 0);
    int mirrored = 0;
    int kept = 0;
    for (int seed = 0; seed < 40; seed++) {
      float[] out = apply(flip, seed, 1, id);
      boolean same = close(out, image);
      boolean mirror = close(out, mirrorX(image));
      assertThat(same || mirror).as("seed " + seed).isTrue();
      mirrored += mirror ? 1 : 0;
      kept += same ? 1 : 0;
    }
    assertThat(mirrored).isBetween(8, 32);
    assertThat(kept).isBetween(8, 32);
  }

  @Test
  void brightnessAloneShiftsEveryPixelByOneOffsetWithinTheBound() {
    Augmentation bright = new Augmentation(true, false, false, 0, 1, 0.1, 0);
    double largest = 0;
    for (int seed = 0; seed < 30; seed++) {
      float[] out = apply(bright, seed, 1, id);
      double shift = Double.NaN;
      for (int i = 0; i < out.length; i++) {
        if (out[i] > 0 && out[i] < 1) { // not clamped
          double d = out[i] - image[i];
          if (Double.isNaN(shift)) {
            shift = d;
          }
          assertThat(d).isCloseTo(shift, within(1e-4));
        }
      }
      assertThat(Math.abs(shift)).isLessThanOrEqualTo(0.1 + 1e-6);
      largest = Math.max(largest, Math.abs(shift));
    }
    assertThat(largest).as("the bound is used, not just respected").isGreaterThan(0.05);
  }

  @Test
  void contrastAloneScalesAboutEachChannelMeanWithinTheBound() {
    Augmentation contrast = new Augmentation(true, false, false, 0, 1, 0, 0.2);
    for (int seed = 0; seed < 20; seed++) {
      float[] out = apply(contrast, seed, 1, id);
      for (int c = 0; c < 3; c++) {
        double mean = 0;
        for (int i = c * PLANE; i < (c + 1) * PLANE; i++) {
          mean += image[i];
        }
        mean /= PLANE;
        double gain = Double.NaN;
        for (int i = c * PLANE; i < (c + 1) * PLANE; i++) {
          double dev = image[i] - mean;
          if (Math.abs(dev) > 0.05 && out[i] > 0 && out[i] < 1) {
            double g = (out[i] - mean) / dev;
            gain = Double.isNaN(gain) ? g : gain;
            assertThat(g).isCloseTo(gain, within(1e-3));
          }
        }
        assertThat(gain).isBetween(0.8 - 1e-4, 1.2 + 1e-4);
      }
    }
  }

  @Test
  void geometryKeepsAFlatImageFlatAndEveryValueInZeroOne() {
    float[] flat = new float[3 * PLANE];
    java.util.Arrays.fill(flat, 0.25f);
    Augmentation geometry = new Augmentation(true, true, true, 45, 0.5, 0, 0);
    for (int seed = 0; seed < 10; seed++) {
      float[] out = geometry.apply(flat, 3, SIZE, SIZE, seed, 1, id);
      for (float v : out) {
        assertThat((double) v).isCloseTo(0.25, within(1e-6));
      }
      for (float v : apply(ALL, seed, 3, id)) {
        assertThat(v).isBetween(0f, 1f);
      }
    }
    // a crop zooms in: the augmented image differs from the original, its mean stays near it
    Augmentation crop = new Augmentation(true, false, false, 0, 0.6, 0, 0);
    float[] zoomed = apply(crop, 3, 1, id);
    assertThat(close(zoomed, image)).isFalse();
    assertThat(Math.abs(mean(zoomed) - mean(image))).isLessThan(0.1);
  }

  @Test
  void outOfRangeSettingsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> new Augmentation(true, true, false, 46, 0.9, 0.1, 0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot declare augmentation: rotation-degrees out of range (46.0)");
    assertThatThrownBy(() -> new Augmentation(true, true, false, 10, 0, 0.1, 0.1))
        .hasMessage("Cannot declare augmentation: crop-fraction out of range (0.0)");
    assertThatThrownBy(() -> new Augmentation(true, true, false, 10, 0.9, 1.5, 0.1))
        .hasMessage("Cannot declare augmentation: brightness out of range (1.5)");
    assertThatThrownBy(() -> new Augmentation(true, true, false, 10, 0.9, 0.1, -0.1))
        .hasMessage("Cannot declare augmentation: contrast out of range (-0.1)");
  }

  private static float[] apply(Augmentation a, long seed, int epoch, String exampleId) {
    return a.apply(image, 3, SIZE, SIZE, seed, epoch, exampleId);
  }

  private static List<Float> head(float[] v) {
    List<Float> out = new java.util.ArrayList<>();
    for (int i = 0; i < v.length; i += 97) {
      out.add(v[i]);
    }
    return out;
  }

  private static float[] mirrorX(float[] chw) {
    float[] out = new float[chw.length];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          out[c * PLANE + y * SIZE + x] = chw[c * PLANE + y * SIZE + SIZE - 1 - x];
        }
      }
    }
    return out;
  }

  private static boolean close(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > 1e-5) {
        return false;
      }
    }
    return true;
  }

  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s / v.length;
  }
}
