package io.medvec.core.source;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded training augmentation, applied after resizing and before intensity scaling: random
 * horizontal and vertical flips, a rotation by up to {@code rotationDegrees}, a crop of a random
 * {@code [cropFraction, 1]} share of each side resized back, and brightness and contrast changes.
 * The draw for an image depends only on (seed, epoch, example id), so a rerun, a resumed run and
 * any order of the examples see the same augmented pixels.
 *
 * @param enabled whether to augment at all (training only)
 * @param horizontalFlip flip left-right with probability 1/2
 * @param verticalFlip flip top-bottom with probability 1/2
 * @param rotationDegrees maximum rotation either way, in [0, 45]
 * @param cropFraction smallest kept share of each side, in (0, 1]; 1 keeps the whole image
 * @param brightness maximum intensity offset either way, in [0, 1]
 * @param contrast maximum relative contrast change either way, in [0, 1]
 */
public record Augmentation(
    boolean enabled,
    boolean horizontalFlip,
    boolean verticalFlip,
    double rotationDegrees,
    double cropFraction,
    double brightness,
    double contrast)
    implements java.io.Serializable {

  /** No augmentation. */
  public static final Augmentation NONE = new Augmentation(false, false, false, 0, 1, 0, 0);

  public Augmentation {
    check(rotationDegrees >= 0 && rotationDegrees <= 45, "rotation-degrees", rotationDegrees);
    check(cropFraction > 0 && cropFraction <= 1, "crop-fraction", cropFraction);
    check(brightness >= 0 && brightness <= 1, "brightness", brightness);
    check(contrast >= 0 && contrast <= 1, "contrast", contrast);
  }

  private static void check(boolean ok, String field, double value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Cannot declare augmentation: " + field + " out of range (" + value + ")");
    }
  }

  /**
   * The augmented copy of a CHW image with values in [0, 1] (the input is not modified); the input
   * itself when not {@link #enabled}.
   */
  public float[] apply(
      float[] chw, int channels, int height, int width, long seed, int epoch, String exampleId) {
    if (!enabled) {
      return chw;
    }
    SplittableRandom random = new SplittableRandom(mix(seed, epoch, exampleId));
    boolean flipX = horizontalFlip && random.nextBoolean();
    boolean flipY = verticalFlip && random.nextBoolean();
    double angle = Math.toRadians(rotationDegrees * (2 * random.nextDouble() - 1));
    double keep = cropFraction + (1 - cropFraction) * random.nextDouble();
    double offsetX = (1 - keep) * random.nextDouble();
    double offsetY = (1 - keep) * random.nextDouble();
    float shift = (float) (brightness * (2 * random.nextDouble() - 1));
    float gain = (float) (1 + contrast * (2 * random.nextDouble() - 1));
    float[] out = new float[chw.length];
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    int plane = height * width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        // output pixel -> unit square of the crop -> rotated about the centre -> flipped
        double u = (offsetX + keep * (x + 0.5) / width) - 0.5;
        double v = (offsetY + keep * (y + 0.5) / height) - 0.5;
        double ru = cos * u - sin * v + 0.5;
        double rv = sin * u + cos * v + 0.5;
        double sx = (flipX ? 1 - ru : ru) * width - 0.5;
        double sy = (flipY ? 1 - rv : rv) * height - 0.5;
        for (int c = 0; c < channels; c++) {
          out[c * plane + y * width + x] = sample(chw, c * plane, width, height, sx, sy);
        }
      }
    }
    adjust(out, channels, plane, shift, gain);
    return out;
  }

  /** Bilinear sample with edge pixels repeated outside the image. */
  private static float sample(float[] img, int base, int w, int h, double sx, double sy) {
    double cx = Math.max(0, Math.min(w - 1, sx));
    double cy = Math.max(0, Math.min(h - 1, sy));
    int x0 = (int) cx;
    int y0 = (int) cy;
    int x1 = Math.min(w - 1, x0 + 1);
    int y1 = Math.min(h - 1, y0 + 1);
    float fx = (float) (cx - x0);
    float fy = (float) (cy - y0);
    float top = img[base + y0 * w + x0] * (1 - fx) + img[base + y0 * w + x1] * fx;
    float bottom = img[base + y1 * w + x0] * (1 - fx) + img[base + y1 * w + x1] * fx;
    return top * (1 - fy) + bottom * fy;
  }

  /** Contrast about each channel's mean, then the brightness offset, clamped to [0, 1]. */
  private static void adjust(float[] img, int channels, int plane, float shift, float gain) {
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        sum += img[i];
      }
      float mean = (float) (sum / plane);
      for (int i = c * plane; i < (c + 1) * plane; i++) {
        img[i] = Math.max(0f, Math.min(1f, (img[i] - mean) * gain + mean + shift));
      }
    }
  }

  /** One 64-bit seed from (seed, epoch, id): FNV-1a of the id's UTF-8, mixed by SplitMix64. */
  static long mix(long seed, int epoch, String exampleId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : exampleId.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return splitMix(splitMix(seed ^ splitMix(epoch)) ^ h);
  }

  private static long splitMix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
