package io.medvec.core.dicom;

import java.io.InputStream;

/**
 * Decodes one DICOM Part 10 file from a stream (see {@code docs/dicom.md}). The stream is read
 * once, forward, up to the end of its Pixel Data; the caller closes it. Every refusal is a {@link
 * DicomException} whose message names {@code name} and the reason.
 *
 * <p>Grey values go through the modality transform (Rescale Slope/Intercept) and then the linear
 * VOI window of PS3.3 C.11.2.1.2 to [0, 1]; MONOCHROME1 is inverted so that bright always means
 * high attenuation or signal. Colour samples are divided by their largest stored value.
 */
public final class DicomDecoder {
  /** Bytes 128–131 of a DICOM Part 10 file. */
  private static final byte[] MAGIC = {'D', 'I', 'C', 'M'};

  private DicomDecoder() {}

  /** Whether the first bytes of a file are a DICOM Part 10 preamble (needs at least 132). */
  public static boolean looksLikeDicom(byte[] head) {
    if (head == null || head.length < 132) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (head[128 + i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Decodes the first frame of {@code in}.
   *
   * @param in the file's bytes from its first byte
   * @param name how messages name the file (its path)
   * @param options window, multi-frame policy and size cap
   */
  public static DicomImage decode(InputStream in, String name, DicomOptions options) {
    DicomAttributes a = DicomParser.parse(in, name, options);
    float[] stored = PixelDecoder.decode(a, name);
    if (!a.grey()) {
      float[] pixels = new float[stored.length];
      float scale = (1 << a.bitsStored) - 1;
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = stored[i] / scale;
      }
      return new DicomImage(a, pixels, stored, WindowSource.NONE, Double.NaN, Double.NaN);
    }
    float[] modality = new float[stored.length];
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < stored.length; i++) {
      modality[i] = (float) (stored[i] * a.slope + a.intercept);
      min = Math.min(min, modality[i]);
      max = Math.max(max, modality[i]);
    }
    WindowSource source;
    double center;
    double width;
    if (options.window() == WindowMode.FIXED) {
      source = WindowSource.FIXED;
      center = options.windowCenter();
      width = options.windowWidth();
    } else if (options.window() == WindowMode.FILE
        && a.windowCenter != null
        && a.windowWidth != null
        && a.windowWidth >= 1) {
      source = WindowSource.FILE;
      center = a.windowCenter;
      width = a.windowWidth;
    } else {
      source = WindowSource.MIN_MAX;
      center = (min + max) / 2;
      width = max - min;
    }
    boolean invert = a.photometric.equals("MONOCHROME1");
    float[] pixels =
        source == WindowSource.MIN_MAX
            ? minMax(modality, min, max, invert)
            : window(modality, center, width, invert);
    return new DicomImage(a, pixels, stored, source, center, width);
  }

  /** The linear VOI function of PS3.3 C.11.2.1.2.1 with output range [0, 1], in place. */
  static float[] window(float[] x, double center, double width, boolean invert) {
    double low = center - 0.5 - (width - 1) / 2;
    double high = center - 0.5 + (width - 1) / 2;
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      double y = v <= low ? 0 : v > high ? 1 : ((v - (center - 0.5)) / (width - 1) + 0.5);
      x[i] = (float) (invert ? 1 - y : y);
    }
    return x;
  }

  /** (x − min) / (max − min), in place; a constant image maps to 0. */
  static float[] minMax(float[] x, double min, double max, boolean invert) {
    double range = max - min;
    for (int i = 0; i < x.length; i++) {
      double y = range > 0 ? (x[i] - min) / range : 0;
      x[i] = (float) (invert ? 1 - y : y);
    }
    return x;
  }
}
