package io.medvec.core.source;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * JPEG, PNG and BMP through {@code javax.imageio}. Grey images (8 or 16 bit) stay one channel;
 * colour, palette and CMYK images become RGB, except palettes of grey levels only, which stay one
 * channel; an alpha channel is dropped (as Pillow's {@code convert("RGB")} does). A decoder warning
 * (a truncated JPEG, which ImageIO would otherwise fill with grey) is a refusal.
 */
final class ImageIoDecoder implements ImageDecoder {

  /**
   * The most pixels an image may declare: Pillow's {@code Image.MAX_IMAGE_PIXELS} (89,478,485, a 1
   * GB RGBA image). Its header is read first, so a small file declaring a huge image (a
   * decompression bomb) is refused before any pixel is decoded or memory set aside.
   */
  static final long MAX_PIXELS = 89_478_485L;

  @Override
  public DecodedImage decode(byte[] bytes, String name) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = jdkReaderFirst(ImageIO.getImageReaders(in));
      if (reader == null) {
        throw refuse(name, "not a JPEG, PNG or BMP image", null);
      }
      List<String> warnings = new ArrayList<>();
      try {
        reader.setInput(in, true, true);
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        DecodedImage image = read(reader, bytes, name);
        if (!warnings.isEmpty()) {
          throw refuse(name, "corrupt or truncated (" + warnings.get(0) + ")", null);
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("Cannot")) {
        throw iae;
      }
      throw refuse(name, "corrupt or truncated (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The JDK's own reader for the format when there is one, else the first registered. Other ImageIO
   * plugins on the class path (the DICOM decoder's TwelveMonkeys JPEG reader registers ahead of the
   * JDK's) decode differently, e.g. convert CMYK through their own profile: pixels must not depend
   * on what else is on the class path.
   */
  private static ImageReader jdkReaderFirst(Iterator<ImageReader> readers) {
    ImageReader first = null;
    ImageReader jdk = null;
    while (readers.hasNext()) {
      ImageReader r = readers.next();
      if (jdk == null
          && r.getOriginatingProvider() != null
          && r.getOriginatingProvider().getClass().getName().startsWith("com.sun.imageio.")) {
        jdk = r;
      } else if (first == null) {
        first = r;
      } else {
        r.dispose();
      }
    }
    if (jdk != null) {
      if (first != null) {
        first.dispose();
      }
      return jdk;
    }
    return first;
  }

  private static DecodedImage read(ImageReader reader, byte[] bytes, String name)
      throws IOException {
    long declared = (long) reader.getWidth(0) * reader.getHeight(0);
    if (declared > MAX_PIXELS) {
      throw refuse(
          name,
          String.format(
              java.util.Locale.ROOT,
              "its header declares %d x %d = %d pixels, more than the limit of %d",
              reader.getWidth(0),
              reader.getHeight(0),
              declared,
              MAX_PIXELS),
          null);
    }
    BufferedImage image;
    try {
      image = reader.read(0);
    } catch (IIOException e) {
      if (reader.getFormatName().equalsIgnoreCase("jpeg") && reader.canReadRaster()) {
        // ImageIO reads CMYK and YCCK JPEGs only as raw rasters
        Raster raster = reader.readRaster(0, null);
        if (raster.getNumBands() == 4) {
          return Cmyk.toRgb(raster, Cmyk.adobeTransform(bytes));
        }
      }
      throw e;
    }
    if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
      // the raster holds true ink values (Adobe inversion and YCCK undone); ImageIO's own
      // conversion to RGB goes through a colour profile, Pillow's and libjpeg's do not
      return Cmyk.toRgb(image.getRaster(), Cmyk.NO_ADOBE);
    }
    return fromImage(image);
  }

  static DecodedImage fromImage(BufferedImage image) {
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    int type = raster.getTransferType();
    boolean component = model instanceof ComponentColorModel;
    int space = model.getColorSpace().getType();
    if (component && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT)) {
      float scale = 1f / ((1 << model.getComponentSize(0)) - 1);
      if (space == ColorSpace.TYPE_GRAY) {
        return planes(raster, 1, scale);
      }
      if (model.getColorSpace().isCS_sRGB()) {
        return planes(raster, 3, scale);
      }
    }
    if (model instanceof IndexColorModel palette && isGrey(palette)) {
      DecodedImage rgb = rgb(image);
      float[] grey = java.util.Arrays.copyOf(rgb.pixels(), rgb.planeSize());
      return new DecodedImage(rgb.width(), rgb.height(), 1, grey);
    }
    return rgb(image);
  }

  /** Whether every palette entry is a grey level (as Pillow opens such a BMP: mode L). */
  private static boolean isGrey(IndexColorModel palette) {
    for (int i = 0; i < palette.getMapSize(); i++) {
      int rgb = palette.getRGB(i);
      if (((rgb >> 16) & 0xff) != (rgb & 0xff) || ((rgb >> 8) & 0xff) != (rgb & 0xff)) {
        return false;
      }
    }
    return true;
  }

  private static DecodedImage planes(Raster raster, int channels, float scale) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    float[] pixels = new float[channels * w * h];
    int[] row = new int[w];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, c, row);
        int base = (c * h + y) * w;
        for (int x = 0; x < w; x++) {
          pixels[base + x] = row[x] * scale;
        }
      }
    }
    return new DecodedImage(w, h, channels, pixels);
  }

  /** Palette, packed and other colour models, through their sRGB conversion. */
  private static DecodedImage rgb(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int plane = w * h;
    float[] pixels = new float[3 * plane];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int argb = row[x];
        int i = y * w + x;
        pixels[i] = ((argb >> 16) & 0xff) / 255f;
        pixels[plane + i] = ((argb >> 8) & 0xff) / 255f;
        pixels[2 * plane + i] = (argb & 0xff) / 255f;
      }
    }
    return new DecodedImage(w, h, 3, pixels);
  }

  static IllegalArgumentException refuse(String name, String why, Throwable cause) {
    return new IllegalArgumentException("Cannot decode image " + name + ": " + why, cause);
  }
}
