package io.medvec.core.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.source.Preprocessing.Aspect;
import io.medvec.core.source.Preprocessing.Channels;
import io.medvec.core.source.Preprocessing.Interpolation;
import io.medvec.core.source.Preprocessing.Scaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preprocessing of real HAM10000 (600x450) and ISIC (180x180) JPEGs, cross-checked with Pillow. */
class PreprocessingTest {

  /** Pillow's centre crop (resize with a box) and pad (resize, paste on black) of one file. */
  private static final String SCRIPT =
      """
      import sys
      from PIL import Image
      src, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
      im = Image.open(src).convert('RGB')
      w, h = im.size
      cw = ch = min(w, h)  # the largest centred square
      x0, y0 = (w - cw) // 2, (h - ch) // 2
      im.resize((size, size), Image.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch)).save(out + '/crop.png')
      s = min(size / w, size / h)
      fw, fh = min(size, round(w * s)), min(size, round(h * s))
      canvas = Image.new('RGB', (size, size))
      canvas.paste(im.resize((fw, fh), Image.BILINEAR), ((size - fw) // 2, (size - fh) // 2))
      canvas.save(out + '/pad.png')
      """;

  @TempDir static Path dir;
  private static Path hamJpeg;
  private static DecodedImage ham;

  @BeforeAll
  static void decodeAndRunPillow() throws Exception {
    try (var files = Files.list(Sources.ham().resolve("mel"))) {
      hamJpeg = files.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow();
    }
    ham = decode(hamJpeg);
    assertThat(ham.width()).isEqualTo(600);
    assertThat(ham.height()).isEqualTo(450);
    Pillow.run(dir, SCRIPT, hamJpeg.toString(), dir.toString(), "64");
  }

  @Test
  void centreCropAndPadMatchPillowOnARealNonSquareImage() throws IOException {
    float[] crop = Preprocessing.unit(64, Channels.RGB).apply(ham);
    float[] pad = withAspect(Aspect.PAD).apply(ham);
    // Pillow rounds to 8 bits between passes; float here: within about a level
    for (var pair : List.of(List.of("crop.png", crop), List.of("pad.png", pad))) {
      DecodedImage peer = decode(dir.resolve((String) pair.get(0)));
      double[] d = Pillow.diff(scaled((float[]) pair.get(1)), Pillow.hwcToChw(u8(peer), 3, 64, 64));
      assertThat(d[0]).as(pair.get(0) + " mean level difference").isLessThan(0.6);
      assertThat(d[1]).as(pair.get(0) + " max level difference").isLessThanOrEqualTo(2.0);
    }
  }

  @Test
  void padKeepsTheWholeImageBetweenBlackBarsAndCropFillsTheFrame() {
    float[] pad = withAspect(Aspect.PAD).apply(ham);
    // 600x450 into 64x64: 64x48 centred, 8 black rows above and below
    int plane = 64 * 64;
    for (int c = 0; c < 3; c++) {
      for (int x = 0; x < 64; x++) {
        for (int y : new int[] {0, 7, 56, 63}) {
          assertThat(pad[c * plane + y * 64 + x]).isZero();
        }
      }
    }
    float[] inner =
        new Preprocessing(
                64,
                48,
                Aspect.CENTER_CROP,
                Interpolation.BILINEAR,
                Channels.RGB,
                Scaling.UNIT,
                List.of(),
                List.of(),
                Augmentation.NONE)
            .apply(ham);
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 48; y++) {
        for (int x = 0; x < 64; x++) {
          assertThat(pad[c * plane + (y + 8) * 64 + x]).isEqualTo(inner[(c * 48 + y) * 64 + x]);
        }
      }
    }
    float[] crop = Preprocessing.unit(64, Channels.RGB).apply(ham);
    double darkRows = 0;
    for (int x = 0; x < 64; x++) {
      darkRows += crop[x] + crop[63 * 64 + x];
    }
    assertThat(darkRows).as("a crop has no black border").isGreaterThan(10);
  }

  @Test
  void channelsConvertGreyToRgbByRepetitionAndRgbToGreyByLuma() {
    float[] rgb = Preprocessing.unit(32, Channels.RGB).apply(ham);
    float[] grey = Preprocessing.unit(32, Channels.GREY).apply(ham);
    int plane = 32 * 32;
    assertThat(grey).hasSize(plane);
    for (int i = 0; i < plane; i++) {
      // resizing is linear, so luma before resize equals luma after it
      double luma = 0.299 * rgb[i] + 0.587 * rgb[plane + i] + 0.114 * rgb[2 * plane + i];
      assertThat((double) grey[i]).isCloseTo(luma, within(1e-5));
    }
    DecodedImage greyImage = new DecodedImage(600, 450, 1, luma(ham));
    float[] repeated = Preprocessing.unit(32, Channels.RGB).apply(greyImage);
    float[] once = Preprocessing.unit(32, Channels.GREY).apply(greyImage);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < plane; i++) {
        assertThat(repeated[c * plane + i]).isEqualTo(once[i]);
      }
    }
  }

  @Test
  void unitScalingStaysInZeroOneAndMeanStdStandardisesEachChannel() {
    float[] unit = Preprocessing.unit(64, Channels.RGB).apply(ham);
    for (float v : unit) {
      assertThat(v).isBetween(0f, 1f);
    }
    int plane = 64 * 64;
    List<Double> mean = new ArrayList<>();
    List<Double> std = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      double s = 0;
      double ss = 0;
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        s += unit[i];
        ss += unit[i] * unit[i];
      }
      double m = s / plane;
      mean.add(m);
      std.add(Math.sqrt(ss / plane - m * m));
    }
    Preprocessing standard = withScaling(mean, std);
    float[] z = standard.apply(ham);
    for (int c = 0; c < 3; c++) {
      double s = 0;
      double ss = 0;
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        s += z[i];
        ss += z[i] * z[i];
        double expected = (unit[i] - mean.get(c).floatValue()) / std.get(c).floatValue();
        assertThat((double) z[i]).isCloseTo(expected, within(1e-4));
      }
      assertThat(s / plane).as("channel " + c + " mean").isCloseTo(0, within(1e-4));
      assertThat(ss / plane).as("channel " + c + " variance").isCloseTo(1, within(1e-3));
    }
    float[] resized = standard.resized(ham);
    float[] copy = resized.clone();
    standard.scale(resized);
    assertThat(resized).as("scaling keeps a cached resized image").isEqualTo(copy);
  }

  @Test
  void jsonRoundTripsAndTheFingerprintFollowsEveryField() {
    List<Preprocessing> variants =
        List.of(
            Preprocessing.unit(64, Channels.RGB),
            Preprocessing.unit(65, Channels.RGB),
            Preprocessing.unit(64, Channels.GREY),
            withAspect(Aspect.PAD),
            new Preprocessing(
                64,
                64,
                Aspect.CENTER_CROP,
                Interpolation.AREA,
                Channels.RGB,
                Scaling.UNIT,
                List.of(),
                List.of(),
                Augmentation.NONE),
            withScaling(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.2, 0.2)),
            withScaling(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.2, 0.25)),
            Preprocessing.unit(64, Channels.RGB)
                .withAugmentation(new Augmentation(true, true, false, 10, 0.9, 0.1, 0.1)),
            Preprocessing.unit(64, Channels.RGB)
                .withAugmentation(new Augmentation(true, true, false, 10, 0.9, 0.1, 0.2)));
    Set<String> prints = new HashSet<>();
    for (Preprocessing p : variants) {
      String json = p.toJson();
      Preprocessing back = Preprocessing.fromJson(json, "base/manifest.json");
      assertThat(back).isEqualTo(p);
      assertThat(back.toJson()).isEqualTo(json);
      assertThat(back.fingerprint()).isEqualTo(p.fingerprint()).matches("[0-9a-f]{64}");
      prints.add(p.fingerprint());
    }
    assertThat(prints).as("one fingerprint per declaration").hasSize(variants.size());
    assertThat(variants.get(0).toJson().replaceAll("\\s", ""))
        .startsWith("{\"aspect\":\"center-crop\",\"augmentation\":{\"brightness\":0.0,")
        .contains("\"channels\":\"rgb\"", "\"width\":64");
    assertThat(variants.get(0).toJson()).doesNotContain("\r").endsWith("}\n");
  }

  @Test
  void badJsonIsRefusedNamingTheFileAndTheField() {
    String json = Preprocessing.unit(64, Channels.RGB).toJson().replaceAll("\\s", "");
    assertThatThrownBy(
            () -> Preprocessing.fromJson(json.replace("\"rgb\"", "\"cmyk\""), "base/manifest.json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot read preprocessing from base/manifest.json: unknown channels (cmyk)");
    assertThatThrownBy(
            () -> Preprocessing.fromJson(json.replace(",\"width\":64", ""), "base/manifest.json"))
        .hasMessageStartingWith("Cannot read preprocessing from base/manifest.json: ")
        .hasMessageContaining("width");
    assertThatThrownBy(
            () -> Preprocessing.fromJson(json.replace("\"width\":64", "\"width\":0"), "m.json"))
        .hasMessage(
            "Cannot read preprocessing from m.json: Cannot declare preprocessing: size must be in"
                + " [1, 4096] (0x64)");
  }

  @Test
  void checkCompatibleRefusesAnyDifferenceNamingTheFirstField() {
    Preprocessing base = Preprocessing.unit(64, Channels.RGB);
    base.checkCompatible(Preprocessing.fromJson(base.toJson(), "copy"));
    assertThatThrownBy(() -> base.checkCompatible(Preprocessing.unit(128, Channels.RGB)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot use preprocessing: width differs from the base model's (base 64, given 128)");
    assertThatThrownBy(() -> base.checkCompatible(Preprocessing.unit(64, Channels.GREY)))
        .hasMessage(
            "Cannot use preprocessing: channels differs from the base model's (base rgb, given"
                + " grey)");
    assertThatThrownBy(() -> base.checkCompatible(withAspect(Aspect.PAD)))
        .hasMessage(
            "Cannot use preprocessing: aspect differs from the base model's (base center-crop,"
                + " given pad)");
    Preprocessing standard = withScaling(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.2, 0.2));
    assertThatThrownBy(
            () ->
                standard.checkCompatible(
                    withScaling(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.2, 0.3))))
        .hasMessage(
            "Cannot use preprocessing: std differs from the base model's (base [0.2, 0.2, 0.2],"
                + " given [0.2, 0.2, 0.3])");
    Preprocessing augmented =
        base.withAugmentation(new Augmentation(true, true, false, 10, 0.9, 0.1, 0.1));
    assertThatThrownBy(
            () ->
                augmented.checkCompatible(
                    base.withAugmentation(new Augmentation(true, true, false, 10, 0.9, 0.2, 0.1))))
        .hasMessage(
            "Cannot use preprocessing: augmentation.brightness differs from the base model's (base"
                + " 0.1, given 0.2)");
  }

  @Test
  void declarationsThatCannotWorkAreRefused() {
    assertThatThrownBy(() -> Preprocessing.unit(0, Channels.RGB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot declare preprocessing: size must be in [1, 4096] (0x0)");
    assertThatThrownBy(() -> withScaling(List.of(0.5), List.of(0.2)))
        .hasMessage(
            "Cannot declare preprocessing: mean and std need 3 values for mean-std with rgb ([0.5],"
                + " [0.2])");
    assertThatThrownBy(() -> withScaling(List.of(0.5, 0.5, 0.5), List.of(0.2, 0.0, 0.2)))
        .hasMessage("Cannot declare preprocessing: std values must be > 0 ([0.2, 0.0, 0.2])");
  }

  private static Preprocessing withAspect(Aspect aspect) {
    return new Preprocessing(
        64,
        64,
        aspect,
        Interpolation.BILINEAR,
        Channels.RGB,
        Scaling.UNIT,
        List.of(),
        List.of(),
        Augmentation.NONE);
  }

  private static Preprocessing withScaling(List<Double> mean, List<Double> std) {
    return new Preprocessing(
        64,
        64,
        Aspect.CENTER_CROP,
        Interpolation.BILINEAR,
        Channels.RGB,
        Scaling.MEAN_STD,
        mean,
        std,
        Augmentation.NONE);
  }

  private static DecodedImage decode(Path file) throws IOException {
    return ImageDecoders.standard().decode(Files.readAllBytes(file), file.toString());
  }

  private static float[] luma(DecodedImage rgb) {
    int plane = rgb.planeSize();
    float[] p = rgb.pixels();
    float[] out = new float[plane];
    for (int i = 0; i < plane; i++) {
      out[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
    }
    return out;
  }

  private static float[] scaled(float[] unit) {
    float[] out = unit.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= 255f;
    }
    return out;
  }

  /** HWC 0..255 ints of a decoded 8-bit image (the inverse of {@link Pillow#hwcToChw}). */
  private static int[] u8(DecodedImage image) {
    int w = image.width();
    int h = image.height();
    int c = image.channels();
    int[] hwc = new int[w * h * c];
    for (int k = 0; k < c; k++) {
      for (int i = 0; i < w * h; i++) {
        hwc[i * c + k] = Math.round(image.pixels()[k * w * h + i] * 255f);
      }
    }
    return hwc;
  }
}
