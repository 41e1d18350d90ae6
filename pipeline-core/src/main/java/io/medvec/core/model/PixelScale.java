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

  /** A new array holding {@code factor·x + offset} for pixels {@code x} in [0, 1]. */
  public INDArray apply(INDArray unitPixels) {
    INDArray out = unitPixels.mul(factor);
    return offset == 0 ? out : out.addi(offset);
  }
}
