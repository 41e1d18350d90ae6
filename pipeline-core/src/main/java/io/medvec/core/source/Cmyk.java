package io.medvec.core.source;

import java.awt.image.Raster;

/**
 * CMYK and YCCK JPEG rasters to RGB, as libjpeg and Pillow do: Adobe-marked files store inverted
 * ink values, and {@code R = (1 - C)(1 - K)} (likewise G from M, B from Y).
 */
final class Cmyk {

  /** No Adobe APP14 marker. */
  static final int NO_ADOBE = -1;

  private Cmyk() {}

  /** The Adobe APP14 marker's colour transform (0 CMYK, 2 YCCK), or {@link #NO_ADOBE}. */
  static int adobeTransform(byte[] jpeg) {
    int i = 2;
    while (i + 4 < jpeg.length && (jpeg[i] & 0xff) == 0xff) {
      int marker = jpeg[i + 1] & 0xff;
      int length = ((jpeg[i + 2] & 0xff) << 8) | (jpeg[i + 3] & 0xff);
      if (marker == 0xda) {
        break; // start of scan: no more markers before the image data
      }
      if (marker == 0xee && length >= 12 && i + 15 < jpeg.length && isAdobe(jpeg, i + 4)) {
        return jpeg[i + 15] & 0xff;
      }
      i += 2 + length;
    }
    return NO_ADOBE;
  }

  private static boolean isAdobe(byte[] b, int at) {
    return b[at] == 'A'
        && b[at + 1] == 'd'
        && b[at + 2] == 'o'
        && b[at + 3] == 'b'
        && b[at + 4] == 'e';
  }

  static DecodedImage toRgb(Raster raster, int transform) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int plane = w * h;
    float[] pixels = new float[3 * plane];
    int[] px = new int[4];
    boolean inverted = transform != NO_ADOBE;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(x, y, px);
        if (transform == 2) {
          ycc(px);
        }
        float k = ink(px[3], inverted);
        for (int c = 0; c < 3; c++) {
          pixels[c * plane + y * w + x] = (1f - ink(px[c], inverted)) * (1f - k);
        }
      }
    }
    return new DecodedImage(w, h, 3, pixels);
  }

  private static float ink(int stored, boolean inverted) {
    return (inverted ? 255 - stored : stored) / 255f;
  }

  /** YCC (JFIF equations) to the three stored ink values in place; K is untouched. */
  private static void ycc(int[] px) {
    double y = px[0];
    double cb = px[1] - 128.0;
    double cr = px[2] - 128.0;
    px[0] = clamp(y + 1.402 * cr);
    px[1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    px[2] = clamp(y + 1.772 * cb);
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
