package io.medvec.core.source;

/**
 * Decoded pixels before preprocessing: {@code channels} planes (1 grey, 3 RGB) of {@code height x
 * width} floats in [0, 1], plane-major (CHW): channel {@code c}, row {@code y}, column {@code x} is
 * {@code pixels[(c * height + y) * width + x]}. 8-bit samples are {@code v / 255}, 16-bit {@code v
 * / 65535}.
 */
public record DecodedImage(int width, int height, int channels, float[] pixels) {

  public DecodedImage {
    if (width < 1 || height < 1 || (channels != 1 && channels != 3)) {
      throw new IllegalArgumentException(
          "Cannot create image: width, height >= 1 and 1 or 3 channels required ("
              + width
              + "x"
              + height
              + "x"
              + channels
              + ")");
    }
    if (pixels == null || pixels.length != width * height * channels) {
      throw new IllegalArgumentException(
          "Cannot create image: pixels must hold width x height x channels values ("
              + (pixels == null ? "null" : pixels.length)
              + ")");
    }
  }

  /** Floats in one channel plane. */
  public int planeSize() {
    return width * height;
  }
}
