package io.medvec.core.source;

/**
 * Separable resampling with Pillow's kernels and window rules ({@code Image.resize} with {@code
 * BILINEAR} or {@code BOX}, and its {@code box} argument for a crop): when shrinking, the kernel is
 * widened by the scale factor (antialiasing), and each output sample is the normalised weighted sum
 * of the input samples under it. Pillow rounds to 8 bits between its horizontal and vertical passes
 * and after them; this works in float throughout, so results differ from Pillow's by rounding only.
 */
final class Resize {

  /** A resampling kernel: its support radius and its weight function. */
  enum Filter {
    /** Pillow's {@code BILINEAR}: the triangle on [-1, 1]. */
    BILINEAR(1.0) {
      @Override
      double weight(double x) {
        x = Math.abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
      }
    },
    /** Pillow's {@code BOX}: area averaging when shrinking. */
    AREA(0.5) {
      @Override
      double weight(double x) {
        return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
      }
    };

    private final double support;

    Filter(double support) {
      this.support = support;
    }

    abstract double weight(double x);
  }

  /** Weights of one axis: output {@code i} reads inputs {@code start[i] .. start[i]+count[i]-1}. */
  private record Weights(int[] start, int[] count, float[] weights, int stride) {}

  private Resize() {}

  /**
   * Resamples the region {@code [x0, x0+cw) x [y0, y0+ch)} of a CHW image to {@code tw x th}.
   *
   * @return CHW floats, {@code channels x th x tw}
   */
  static float[] resize(
      float[] src,
      int channels,
      int sw,
      int sh,
      int x0,
      int y0,
      int cw,
      int ch,
      int tw,
      int th,
      Filter filter) {
    Weights horizontal = weights(x0, cw, sw, tw, filter);
    Weights vertical = weights(y0, ch, sh, th, filter);
    float[] rows = new float[sh * tw];
    float[] out = new float[channels * th * tw];
    for (int c = 0; c < channels; c++) {
      int plane = c * sw * sh;
      for (int y = 0; y < sh; y++) {
        int in = plane + y * sw;
        for (int x = 0; x < tw; x++) {
          rows[y * tw + x] = dot(src, in + horizontal.start[x], 1, horizontal, x);
        }
      }
      int outPlane = c * th * tw;
      for (int y = 0; y < th; y++) {
        for (int x = 0; x < tw; x++) {
          out[outPlane + y * tw + x] = dot(rows, vertical.start[y] * tw + x, tw, vertical, y);
        }
      }
    }
    return out;
  }

  private static float dot(float[] data, int first, int step, Weights w, int i) {
    float sum = 0f;
    int k = i * w.stride;
    for (int j = 0, at = first; j < w.count[i]; j++, at += step) {
      sum += data[at] * w.weights[k + j];
    }
    return sum;
  }

  /** Pillow's {@code precompute_coeffs} for input box {@code [in0, in0+len)} of an axis of size. */
  private static Weights weights(int in0, int len, int size, int out, Filter filter) {
    double scale = (double) len / out;
    double filterScale = Math.max(scale, 1.0);
    double support = filter.support * filterScale;
    int stride = (int) Math.ceil(support) * 2 + 1;
    int[] start = new int[out];
    int[] count = new int[out];
    float[] weights = new float[out * stride];
    double[] w = new double[stride];
    for (int i = 0; i < out; i++) {
      double center = in0 + (i + 0.5) * scale;
      int min = Math.max(0, (int) (center - support + 0.5));
      int max = Math.min(size, (int) (center + support + 0.5)) - min;
      double total = 0;
      for (int j = 0; j < max; j++) {
        w[j] = filter.weight((j + min - center + 0.5) / filterScale);
        total += w[j];
      }
      for (int j = 0; j < max; j++) {
        weights[i * stride + j] = (float) (total == 0 ? 0 : w[j] / total);
      }
      start[i] = min;
      count[i] = Math.max(0, max);
    }
    return new Weights(start, count, weights, stride);
  }
}
