package io.medvec.core.export;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * The sliding-window vertices of a graph export, convolution and pooling, with their padding:
 * Truncate mode's explicit symmetric [pH, pW]; in Same mode k / 2 for stride 1 and an odd kernel,
 * otherwise {@code "same"}, which {@code medvec_torch.py} computes from each input's size as
 * TensorFlow and DL4J do (output ceil(n / stride), the odd pixel of padding at the bottom and
 * right). Max pooling may be in either mode, average pooling in Truncate mode only.
 */
final class Windows {

  private Windows() {}

  static Map<String, Object> conv(String name, ConvolutionLayer c) {
    String what = c.getClass().getSimpleName();
    int[] d = c.getDilation();
    if (d[0] != 1 || d[1] != 1) {
      throw GraphExport.unsupported(name, what, "dilation");
    }
    Map<String, Object> e = GraphExport.node(name, "conv2d");
    e.put("in_channels", c.getNIn());
    e.put("kernel_size", pair(c.getKernelSize()));
    e.put("stride", pair(c.getStride()));
    e.put("padding", padding(name, what, c.getConvolutionMode(), c));
    e.put("bias", c.hasBias());
    return e;
  }

  /** Explicit symmetric padding [pH, pW], or "same" where it depends on the input's size. */
  private static Object padding(String name, String what, ConvolutionMode mode, Layer layer) {
    int[] k;
    int[] s;
    int[] p;
    if (layer instanceof ConvolutionLayer c) {
      k = c.getKernelSize();
      s = c.getStride();
      p = c.getPadding();
    } else {
      SubsamplingLayer sub = (SubsamplingLayer) layer;
      k = sub.getKernelSize();
      s = sub.getStride();
      p = sub.getPadding();
    }
    if (mode == ConvolutionMode.Truncate) {
      return pair(p);
    }
    if (mode != ConvolutionMode.Same) {
      throw GraphExport.unsupported(name, what, "convolution mode " + mode);
    }
    if (s[0] == 1 && s[1] == 1 && k[0] % 2 == 1 && k[1] % 2 == 1) {
      return List.of(k[0] / 2, k[1] / 2);
    }
    return "same";
  }

  static Map<String, Object> pool(String name, SubsamplingLayer p) {
    String what = p.getClass().getSimpleName();
    int[] d = p.getDilation();
    if (d[0] != 1 || d[1] != 1) {
      throw GraphExport.unsupported(name, what, "dilation");
    }
    Object padding = padding(name, what, p.getConvolutionMode(), p);
    Map<String, Object> e;
    if (p.getPoolingType() == PoolingType.MAX) {
      e = GraphExport.node(name, "maxpool2d");
    } else if (p.getPoolingType() == PoolingType.AVG
        && p.getConvolutionMode() == ConvolutionMode.Truncate) {
      e = GraphExport.node(name, "avgpool2d");
      e.put("count_include_pad", p.isAvgPoolIncludePadInDivisor());
    } else {
      throw GraphExport.unsupported(
          name, what, "pooling " + p.getPoolingType() + " in " + p.getConvolutionMode());
    }
    e.put("kernel_size", pair(p.getKernelSize()));
    e.put("stride", pair(p.getStride()));
    e.put("padding", padding);
    e.put("ceil_mode", false);
    return e;
  }

  private static List<Integer> pair(int[] v) {
    return List.of(v[0], v[1]);
  }
}
