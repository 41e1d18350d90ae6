package io.medvec.core.dicom;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns the first frame's bytes into stored sample values, HWC, as floats (exact for 16 bits):
 * native and RLE here, JPEG and JPEG 2000 through the ImageIO readers on the class path.
 */
final class PixelDecoder {
  private PixelDecoder() {}

  static float[] decode(DicomAttributes a, String name) {
    float[] stored =
        switch (a.syntax.codec) {
          case NATIVE -> nativeSamples(a);
          case RLE -> rle(a, name);
          case IMAGEIO_JPEG -> imageIo(a, name, "jpeg");
          case IMAGEIO_J2K -> imageIo(a, name, "jpeg2000");
          case NONE_AVAILABLE -> throw new IllegalStateException("refused by the parser");
        };
    if (a.photometric.equals("YBR_FULL") && !a.syntax.encapsulated()) {
      ybrFullToRgb(stored);
    }
    return stored;
  }

  private static float[] nativeSamples(DicomAttributes a) {
    int n = Math.toIntExact(a.frameSamples());
    byte[] b = a.frame;
    int bits = a.bitsStored;
    int mask = (1 << bits) - 1;
    // shifting the masked value to the top of an int and back sign-extends it
    int shift = a.signed() ? 32 - bits : 0;
    float[] out = new float[n];
    if (a.bitsAllocated == 8) {
      for (int i = 0; i < n; i++) {
        out[i] = ((b[i] & mask) << shift) >> shift;
      }
    } else if (a.syntax.littleEndian) {
      for (int i = 0, j = 0; i < n; i++, j += 2) {
        int v = ((b[j] & 0xFF) | (b[j + 1] & 0xFF) << 8) & mask;
        out[i] = (v << shift) >> shift;
      }
    } else {
      for (int i = 0, j = 0; i < n; i++, j += 2) {
        int v = ((b[j + 1] & 0xFF) | (b[j] & 0xFF) << 8) & mask;
        out[i] = (v << shift) >> shift;
      }
    }
    return a.planar == 1 && a.samples == 3 ? interleave(out, a.samples) : out;
  }

  /** Planar (all R, all G, all B) to interleaved HWC. */
  private static float[] interleave(float[] planar, int samples) {
    int pixels = planar.length / samples;
    float[] out = new float[planar.length];
    for (int c = 0; c < samples; c++) {
      for (int p = 0; p < pixels; p++) {
        out[p * samples + c] = planar[c * pixels + p];
      }
    }
    return out;
  }

  /** Masks to Bits Stored, sign-extends signed data, and interleaves planar colour. */
  private static float[] toStored(DicomAttributes a, int[] raw, boolean planar) {
    int mask = (1 << a.bitsStored) - 1;
    int signBit = 1 << (a.bitsStored - 1);
    boolean signed = a.signed();
    int n = raw.length;
    float[] out = new float[n];
    int pixels = n / a.samples;
    for (int i = 0; i < n; i++) {
      int v = raw[i] & mask;
      if (signed && (v & signBit) != 0) {
        v -= 1 << a.bitsStored;
      }
      int at = planar ? (i % pixels) * a.samples + i / pixels : i;
      out[at] = v;
    }
    return out;
  }

  /** DICOM RLE (PS3.5 G): a 64-byte header of segment offsets, one PackBits segment per byte. */
  private static float[] rle(DicomAttributes a, String name) {
    byte[] f = a.frame;
    if (f.length < 64) {
      throw new DicomException(
          name, "RLE frame is shorter than its 64-byte header (" + f.length + ")");
    }
    int segments = (int) le32(f, 0);
    int bytesPerSample = a.bitsAllocated / 8;
    if (segments != a.samples * bytesPerSample) {
      throw new DicomException(
          name,
          "RLE frame has "
              + segments
              + " segments, "
              + a.samples * bytesPerSample
              + " expected for "
              + a.shapeText());
    }
    int pixels = a.rows * a.columns;
    byte[][] seg = new byte[segments][];
    for (int s = 0; s < segments; s++) {
      long start = le32(f, 4 + 4 * s);
      long end = s + 1 < segments ? le32(f, 8 + 4 * s) : f.length;
      if (start < 64 || end > f.length || start > end) {
        throw new DicomException(
            name, "RLE segment " + (s + 1) + " has offsets outside the frame (" + start + ")");
      }
      seg[s] = packBits(f, (int) start, (int) end, pixels, name, s + 1);
    }
    int[] raw = new int[pixels * a.samples];
    for (int p = 0; p < pixels; p++) {
      for (int c = 0; c < a.samples; c++) {
        int v = 0;
        for (int k = 0; k < bytesPerSample; k++) {
          v = v << 8 | (seg[c * bytesPerSample + k][p] & 0xFF);
        }
        raw[p * a.samples + c] = v;
      }
    }
    return toStored(a, raw, false);
  }

  private static byte[] packBits(byte[] f, int start, int end, int n, String name, int segment) {
    byte[] out = new byte[n];
    int o = 0;
    int i = start;
    while (o < n && i < end) {
      int h = f[i++];
      if (h >= 0) {
        int count = h + 1;
        if (i + count > end || o + count > n) {
          break;
        }
        System.arraycopy(f, i, out, o, count);
        i += count;
        o += count;
      } else if (h != -128) {
        int count = 1 - h;
        if (i >= end || o + count > n) {
          break;
        }
        java.util.Arrays.fill(out, o, o + count, f[i++]);
        o += count;
      }
    }
    if (o < n) {
      throw new DicomException(
          name, "RLE segment " + segment + " decodes to " + o + " bytes, " + n + " expected");
    }
    return out;
  }

  private static long le32(byte[] b, int at) {
    return ((b[at] & 0xFF)
            | (b[at + 1] & 0xFF) << 8
            | (b[at + 2] & 0xFF) << 16
            | (long) (b[at + 3] & 0xFF) << 24)
        & 0xFFFFFFFFL;
  }

  /**
   * Decodes one codestream with each ImageIO reader of {@code format} in turn until one succeeds;
   * grey through the raw raster (no colour conversion), colour through the reader's RGB image.
   */
  private static float[] imageIo(DicomAttributes a, String name, String format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    List<String> failures = new ArrayList<>();
    while (readers.hasNext()) {
      ImageReader reader = readers.next();
      try (ImageInputStream in =
          new MemoryCacheImageInputStream(new ByteArrayInputStream(a.frame))) {
        reader.setInput(in, true, true);
        float[] out =
            a.grey()
                ? greyRaster(a, reader.readRaster(0, null), name)
                : rgb(a, reader.read(0), name);
        return out;
      } catch (IOException | RuntimeException e) {
        if (e instanceof DicomException d) {
          throw d;
        }
        String why = String.valueOf(e.getMessage());
        if (!failures.contains(why)) {
          failures.add(why);
        }
      } finally {
        reader.dispose();
      }
    }
    throw new DicomException(
        name,
        "no "
            + format
            + " codec on the class path decodes its "
            + a.syntax.title
            + " pixel data ("
            + (failures.isEmpty() ? "no ImageIO reader for " + format : String.join("; ", failures))
            + ")");
  }

  private static float[] greyRaster(DicomAttributes a, Raster r, String name) {
    checkSize(a, r.getWidth(), r.getHeight(), name);
    if (r.getNumBands() != 1) {
      throw new DicomException(
          name, "the codestream has " + r.getNumBands() + " components, 1 expected for grey");
    }
    int[] raw = r.getSamples(r.getMinX(), r.getMinY(), a.columns, a.rows, 0, (int[]) null);
    return toStored(a, raw, false);
  }

  private static float[] rgb(DicomAttributes a, BufferedImage image, String name) {
    checkSize(a, image.getWidth(), image.getHeight(), name);
    int[] argb = image.getRGB(0, 0, a.columns, a.rows, null, 0, a.columns);
    float[] out = new float[argb.length * 3];
    for (int i = 0; i < argb.length; i++) {
      out[3 * i] = argb[i] >> 16 & 0xFF;
      out[3 * i + 1] = argb[i] >> 8 & 0xFF;
      out[3 * i + 2] = argb[i] & 0xFF;
    }
    return out;
  }

  private static void checkSize(DicomAttributes a, int width, int height, String name) {
    if (width != a.columns || height != a.rows) {
      throw new DicomException(
          name,
          "the codestream is "
              + width
              + "x"
              + height
              + " but the file declares Columns "
              + a.columns
              + " x Rows "
              + a.rows);
    }
  }

  /** Full-range YCbCr (PS3.3 C.7.6.3.1.2) to RGB, in place, clamped to [0, 255]. */
  private static void ybrFullToRgb(float[] s) {
    for (int i = 0; i < s.length; i += 3) {
      double y = s[i];
      double cb = s[i + 1] - 128;
      double cr = s[i + 2] - 128;
      s[i] = clamp(Math.round(y + 1.402 * cr));
      s[i + 1] = clamp(Math.round(y - 0.344136 * cb - 0.714136 * cr));
      s[i + 2] = clamp(Math.round(y + 1.772 * cb));
    }
  }

  private static float clamp(long v) {
    return Math.max(0, Math.min(255, v));
  }
}
