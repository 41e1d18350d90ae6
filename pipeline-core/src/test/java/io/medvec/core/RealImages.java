package io.medvec.core;

import io.medvec.core.data.ImageSet;
import io.medvec.core.data.Split;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Real dermoscopic JPEGs from ../shared/data/isic-skin, resized for the imported models. */
public final class RealImages {

  private RealImages() {}

  /** The first {@code perClass} training images of every class folder (label = folder order). */
  public static ImageSet isic(int perClass, int size) {
    Path train = TestData.sharedDir().resolve("isic-skin").resolve("train");
    List<Path> classes = sorted(train);
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int label = 0; label < classes.size(); label++) {
      for (Path file : sorted(classes.get(label)).subList(0, perClass)) {
        images.add(nchw(file, size));
        labels.add(label);
      }
    }
    float[] pixels = new float[images.size() * 3 * size * size];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, pixels, i * 3 * size * size, 3 * size * size);
    }
    return new ImageSet(
        "isic-skin",
        Split.TRAIN,
        3,
        size,
        size,
        classes.size(),
        pixels,
        labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /** One image, bilinear-resized to size × size, channels first, pixels in [0, 1]. */
  static float[] nchw(Path file, int size) {
    BufferedImage src;
    try {
      src = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(src, 0, 0, size, size, null);
    g.dispose();
    float[] out = new float[3 * size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = dst.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
          out[(c * size + y) * size + x] = ((rgb >> (16 - 8 * c)) & 0xff) / 255f;
        }
      }
    }
    return out;
  }

  private static List<Path> sorted(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
