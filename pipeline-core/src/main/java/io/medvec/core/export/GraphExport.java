package io.medvec.core.export;

import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.export.TorchExport.Export;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A single-input, single-output NCHW {@link ComputationGraph} as a {@value
 * TorchExport#GRAPH_FORMAT} export: one architecture entry per vertex, in the graph's topological
 * order, each with its vertex {@code name}, {@code type} and {@code inputs} (vertex names; the
 * first entry is the graph's {@code input}, the entry with {@code "graph_output": true} its
 * output). Types: input, conv2d (with {@code groups}: a depthwise convolution has groups =
 * channels), batchnorm2d, relu (and the other activations), maxpool2d, global_avg_pool, linear, add
 * (the element-wise sum of its inputs: a residual connection). A layer's own activation is the
 * entry's {@code activation}; a flattening input preprocessor is {@code "flatten": true}.
 *
 * <p>Tensors are named {@code nodes.VERTEX.PARAM}, the {@code state_dict()} keys of {@code
 * python/medvec_torch.py}'s {@code MedvecGraph}. Conversions as for the sequential export, plus: a
 * depthwise weight, DL4J's [kH, kW, C, 1], is PyTorch's [C, 1, kH, kW]. Convolution and pooling
 * must be in {@code Truncate} mode (explicit symmetric padding, PyTorch's arithmetic) or in {@code
 * Same} mode with stride 1 and an odd kernel; anything else is refused with the vertex named.
 */
final class GraphExport {

  private GraphExport() {}

  static Export convert(ComputationGraph graph) {
    var conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new UnsupportedOperationException(
          "Cannot export computation graph to PyTorch: it must have one input and one output");
    }
    String output = conf.getNetworkOutputs().get(0);
    List<Tensor> tensors = new ArrayList<>();
    List<Map<String, Object>> arch = new ArrayList<>();
    for (int index : graph.topologicalSortOrder()) {
      GraphVertex v = graph.getVertices()[index];
      String name = v.getVertexName();
      Map<String, Object> e;
      if (v.isInputVertex()) {
        e = node(name, "input");
      } else if (v instanceof LayerVertex lv) {
        e = layer(lv, name, tensors);
      } else if (v instanceof org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex
          && conf.getVertices().get(name)
              instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex ew
          && ew.getOp() == org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add) {
        e = node(name, "add");
      } else {
        throw unsupported(name, conf.getVertices().get(name).getClass().getSimpleName(), "vertex");
      }
      List<String> inputs = new ArrayList<>();
      VertexIndices[] in = v.getInputVertices();
      if (in != null) {
        for (VertexIndices i : in) {
          inputs.add(graph.getVertices()[i.getVertexIndex()].getVertexName());
        }
      }
      e.put("inputs", inputs);
      if (name.equals(output)) {
        e.put("graph_output", true);
      }
      arch.add(e);
    }
    return new Export(List.copyOf(tensors), List.copyOf(arch), TorchExport.GRAPH_FORMAT);
  }

  private static Map<String, Object> layer(LayerVertex v, String name, List<Tensor> tensors) {
    Layer layer = v.getLayer().conf().getLayer();
    var runtime = v.getLayer();
    String what = layer.getClass().getSimpleName();
    Map<String, Object> e;
    if (layer instanceof DepthwiseConvolution2D d) {
      if (d.getDepthMultiplier() != 1) {
        throw unsupported(name, what, "depth multiplier " + d.getDepthMultiplier());
      }
      e = conv(name, d, d.getCnn2dDataFormat());
      e.put("out_channels", d.getNIn());
      e.put("groups", d.getNIn());
      INDArray w = runtime.getParam("W"); // [kH, kW, C, 1]
      INDArray oihw = w.permute(2, 3, 0, 1); // [C, 1, kH, kW]
      tensors.add(Tensor.f32(key(name, "weight"), oihw.shape(), TorchExport.floats(oihw)));
      convBias(name, d, runtime, tensors);
      activation(e, name, what, d.getActivationFn());
    } else if (layer instanceof ConvolutionLayer c && layer.getClass() == ConvolutionLayer.class) {
      e = conv(name, c, c.getCnn2dDataFormat());
      e.put("out_channels", c.getNOut());
      e.put("groups", 1);
      INDArray w = runtime.getParam("W");
      tensors.add(Tensor.f32(key(name, "weight"), w.shape(), TorchExport.floats(w)));
      convBias(name, c, runtime, tensors);
      activation(e, name, what, c.getActivationFn());
    } else if (layer instanceof BatchNormalization bn) {
      if (bn.isLockGammaBeta() || bn.isUseLogStd() || bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
        throw unsupported(name, what, "locked gamma/beta, log-std statistics or NHWC");
      }
      e = node(name, "batchnorm2d");
      e.put("num_features", bn.getNOut());
      e.put("eps", bn.getEps());
      flat(tensors, name, "weight", runtime.getParam("gamma"));
      flat(tensors, name, "bias", runtime.getParam("beta"));
      flat(tensors, name, "running_mean", runtime.getParam("mean"));
      flat(tensors, name, "running_var", runtime.getParam("var"));
      tensors.add(Tensor.i64Scalar(key(name, "num_batches_tracked"), 0));
    } else if (layer instanceof ActivationLayer a) {
      e = node(name, "identity");
      activation(e, name, what, a.getActivationFn());
    } else if (layer instanceof SubsamplingLayer p && layer.getClass() == SubsamplingLayer.class) {
      if (p.getPoolingType() != PoolingType.MAX
          || p.getCnn2dDataFormat() != CNN2DFormat.NCHW
          || p.getConvolutionMode() != ConvolutionMode.Truncate) {
        throw unsupported(
            name, what, "pooling " + p.getPoolingType() + " in " + p.getConvolutionMode());
      }
      e = node(name, "maxpool2d");
      e.put("kernel_size", pair(p.getKernelSize()));
      e.put("stride", pair(p.getStride()));
      e.put("padding", pair(p.getPadding()));
      e.put("ceil_mode", false);
    } else if (layer instanceof GlobalPoolingLayer g) {
      if (g.getPoolingType() != PoolingType.AVG || !g.isCollapseDimensions()) {
        throw unsupported(name, what, "global pooling " + g.getPoolingType());
      }
      e = node(name, "global_avg_pool");
    } else if ((layer instanceof DenseLayer && layer.getClass() == DenseLayer.class)
        || (layer instanceof OutputLayer && layer.getClass() == OutputLayer.class)) {
      var ff = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
      boolean bias =
          layer instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) layer).hasBias();
      e = node(name, "linear");
      e.put("in_features", ff.getNIn());
      e.put("out_features", ff.getNOut());
      e.put("bias", bias);
      INDArray w = runtime.getParam("W"); // [in, out]
      tensors.add(
          Tensor.f32(
              key(name, "weight"),
              new long[] {w.size(1), w.size(0)},
              TorchExport.floats(w.transpose())));
      if (bias) {
        flat(tensors, name, "bias", runtime.getParam("b"));
      }
      activation(e, name, what, ((BaseLayer) layer).getActivationFn());
    } else {
      throw unsupported(name, what, "layer type");
    }
    InputPreProcessor pre = v.getLayerPreProcessor();
    if (pre != null) {
      if (!(pre instanceof CnnToFeedForwardPreProcessor f) || f.getFormat() != CNN2DFormat.NCHW) {
        throw unsupported(name, what, "input preprocessor " + pre);
      }
      e.put("flatten", true);
    }
    return e;
  }

  private static Map<String, Object> conv(String name, ConvolutionLayer c, CNN2DFormat format) {
    String what = c.getClass().getSimpleName();
    if (format != CNN2DFormat.NCHW) {
      throw unsupported(name, what, "data format " + format);
    }
    int[] k = c.getKernelSize();
    int[] s = c.getStride();
    int[] d = c.getDilation();
    if (d[0] != 1 || d[1] != 1) {
      throw unsupported(name, what, "dilation");
    }
    int[] pad;
    if (c.getConvolutionMode() == ConvolutionMode.Truncate) {
      pad = c.getPadding();
    } else if (c.getConvolutionMode() == ConvolutionMode.Same
        && s[0] == 1
        && s[1] == 1
        && k[0] % 2 == 1
        && k[1] % 2 == 1) {
      pad = new int[] {k[0] / 2, k[1] / 2};
    } else {
      throw unsupported(
          name, what, "convolution mode " + c.getConvolutionMode() + " with stride " + s[0]);
    }
    Map<String, Object> e = node(name, "conv2d");
    e.put("in_channels", c.getNIn());
    e.put("kernel_size", pair(k));
    e.put("stride", pair(s));
    e.put("padding", pair(pad));
    e.put("bias", c.hasBias());
    return e;
  }

  private static void convBias(
      String name,
      ConvolutionLayer c,
      org.deeplearning4j.nn.api.Layer runtime,
      List<Tensor> tensors) {
    if (c.hasBias()) {
      flat(tensors, name, "bias", runtime.getParam("b"));
    }
  }

  private static void activation(Map<String, Object> e, String name, String what, IActivation fn) {
    if (fn instanceof ActivationIdentity) {
      return;
    }
    if (fn instanceof ActivationReLU relu && TorchExport.isPlainRelu(relu)) {
      e.put("activation", "relu");
    } else if (fn instanceof ActivationSoftmax) {
      e.put("activation", "softmax");
    } else if (fn instanceof ActivationSigmoid) {
      e.put("activation", "sigmoid");
    } else if (fn instanceof ActivationTanH) {
      e.put("activation", "tanh");
    } else {
      throw unsupported(name, what, "activation " + fn);
    }
  }

  private static Map<String, Object> node(String name, String type) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("name", name);
    e.put("type", type);
    return e;
  }

  static String key(String vertex, String param) {
    return "nodes." + vertex + "." + param;
  }

  private static void flat(List<Tensor> tensors, String name, String param, INDArray value) {
    tensors.add(
        Tensor.f32(key(name, param), new long[] {value.length()}, TorchExport.floats(value)));
  }

  private static List<Integer> pair(int[] v) {
    return List.of(v[0], v[1]);
  }

  private static UnsupportedOperationException unsupported(String vertex, String what, String why) {
    return new UnsupportedOperationException(
        "Cannot export vertex " + vertex + " (" + what + ") to PyTorch: unsupported " + why);
  }
}
