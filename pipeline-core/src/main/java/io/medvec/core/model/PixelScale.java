package io.medvec.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pixel range a network was trained on. Images arrive in [0, 1] ({@link
 * io.medvec.core.data.ImageSet}); an imported network may expect another range.
 */
public enum PixelScale {
  /** [0, 1]: the pixel as it is. */
  UNIT(1, 0),
  /** [0, 255]: the 8-bit value. */
  BYTE(255, 0),
  /** [-1, 1]: 2·x − 1. */
  SIGNED(2, -1);

  private final float factor;
  private final float offset;

  PixelScale(float factor, float offset) {
    this.factor = factor;
    this.offset = offset;
  }

  /** The factor each of {@code channels} channels is multiplied by: x' = factor·x + offset. */
  public float[] factors(int channels) {
    float[] f = new float[channels];
    java.util.Arrays.fill(f, factor);
    return f;
  }

  /** The offset added to each of {@code channels} channels after its factor. */
  public float[] offsets(int channels) {
    float[] o = new float[channels];
    java.util.Arrays.fill(o, offset);
    return o;
  }

  /** A new array holding {@code factor·x + offset} for pixels {@code x} in [0, 1]. */
  public INDArray apply(INDArray unitPixels) {
    INDArray out = unitPixels.mul(factor);
    return offset == 0 ? out : out.addi(offset);
  }
}
