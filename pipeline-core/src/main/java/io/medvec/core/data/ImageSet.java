package io.medvec.core.data;

import static io.medvec.core.data.Checks.checkArgument;
import static io.medvec.core.data.Checks.checkNotNull;

import java.util.Arrays;
import java.util.Objects;

/**
 * One split of an image dataset: {@code size()} images in NCHW order as float pixels in [0, 1],
 * with one integer class label each.
 *
 * <p>Image {@code n}, channel {@code c}, row {@code y}, column {@code x} is {@code pixels[((n *
 * channels + c) * height + y) * width + x]}.
 *
 * <p>Immutable by contract: the arrays are shared, not copied (a split can hold hundreds of MB), so
 * neither the creator nor callers of {@link #pixels()} and {@link #labels()} may modify them.
 * {@link #equals} and {@link #hashCode} compare array contents.
 */
public record ImageSet(
    String dataset,
    Split split,
    int channels,
    int height,
    int width,
    int numClasses,
    float[] pixels,
    int[] labels) {

  /** Validates shapes, label range and pixel range. */
  public ImageSet {
    checkArgument(
        dataset != null && !dataset.isBlank(),
        "Cannot create image set: blank dataset (%s)",
        dataset);
    checkNotNull(split, "Cannot create image set %s: split is null", dataset);
    checkArgument(
        channels >= 1 && height >= 1 && width >= 1,
        "Cannot create image set %s/%s: channels, height and width must be >= 1 (%sx%sx%s)",
        dataset,
        split.id(),
        channels,
        height,
        width);
    checkArgument(
        numClasses >= 1,
        "Cannot create image set %s/%s: numClasses must be >= 1 (%s)",
        dataset,
        split.id(),
        numClasses);
    checkNotNull(pixels, "Cannot create image set %s/%s: pixels is null", dataset, split.id());
    checkNotNull(labels, "Cannot create image set %s/%s: labels is null", dataset, split.id());
    long expected = (long) labels.length * channels * height * width;
    checkArgument(
        pixels.length == expected,
        "Cannot create image set %s/%s: pixels length must be labels x channels x height x width"
            + " = %s x %s x %s x %s = %s (%s)",
        dataset,
        split.id(),
        labels.length,
        channels,
        height,
        width,
        expected,
        pixels.length);
    checkLabels(dataset, split, labels, numClasses);
    checkPixels(dataset, split, pixels);
  }

  private static void checkLabels(String dataset, Split split, int[] labels, int numClasses) {
    // plain loop test first: varargs would box every element
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot create image set %s/%s: label at index %s must be in [0, %s) (%s)",
                dataset, split.id(), i, numClasses, labels[i]));
      }
    }
  }

  private static void checkPixels(String dataset, Split split, float[] pixels) {
    for (int i = 0; i < pixels.length; i++) {
      if (!(pixels[i] >= 0f && pixels[i] <= 1f)) { // negated form also refuses NaN
        throw new IllegalArgumentException(
            String.format(
                "Cannot create image set %s/%s: pixel at index %s must be in [0, 1] (%s)",
                dataset, split.id(), i, pixels[i]));
      }
    }
  }

  /** Number of images. */
  public int size() {
    return labels.length;
  }

  /** Floats per image: channels x height x width. */
  public int imageSize() {
    return channels * height * width;
  }

  /**
   * The images at {@code indices}, in that order (an index may repeat, e.g. for bootstrapping).
   *
   * @throws IllegalArgumentException if an index is outside [0, size())
   */
  public ImageSet subset(int[] indices) {
    checkNotNull(indices, "Cannot subset image set %s/%s: indices is null", dataset, split.id());
    int imageSize = imageSize();
    float[] subPixels = new float[Math.multiplyExact(indices.length, imageSize)];
    int[] subLabels = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      int index = indices[i];
      if (index < 0 || index >= size()) {
        throw new IllegalArgumentException(
            String.format(
                "Cannot subset image set %s/%s: indices[%s] must be in [0, %s) (%s)",
                dataset, split.id(), i, size(), index));
      }
      System.arraycopy(pixels, index * imageSize, subPixels, i * imageSize, imageSize);
      subLabels[i] = labels[index];
    }
    return new ImageSet(dataset, split, channels, height, width, numClasses, subPixels, subLabels);
  }

  /** Number of images per class; length {@code numClasses}. */
  public long[] labelCounts() {
    long[] counts = new long[numClasses];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || o instanceof ImageSet other
            && dataset.equals(other.dataset)
            && split == other.split
            && channels == other.channels
            && height == other.height
            && width == other.width
            && numClasses == other.numClasses
            && Arrays.equals(labels, other.labels)
            && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    int result = Objects.hash(dataset, split, channels, height, width, numClasses);
    return 31 * (31 * result + Arrays.hashCode(labels)) + Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return String.format(
        "ImageSet[%s/%s, %d images of %dx%dx%d, %d classes]",
        dataset, split.id(), size(), channels, height, width, numClasses);
  }

  /**
   * This set at {@code size}×{@code size} by nearest neighbour (source row {@code y·h/size}, column
   * {@code x·w/size}), as {@code bench/torch_backbones.py} scales; this set itself when it already
   * has that size.
   */
  public ImageSet upscaled(int size) {
    int c = channels();
    int h = height();
    int w = width();
    if (h == size && w == size) {
      return this;
    }
    float[] out = new float[size() * c * size * size];
    for (int n = 0; n < size(); n++) {
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            out[((n * c + ch) * size + y) * size + x] =
                pixels()[((n * c + ch) * h + y * h / size) * w + x * w / size];
          }
        }
      }
    }
    return new ImageSet(dataset(), split(), c, size, size, numClasses(), out, labels());
  }
}
