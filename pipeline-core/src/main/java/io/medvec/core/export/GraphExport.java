package io.medvec.core.export;

import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.export.TorchExport.Export;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A single-input, single-output {@link ComputationGraph}, NCHW (medvec's built-in graphs) or NHWC
 * (an imported Keras model), as a {@value TorchExport#GRAPH_FORMAT} export: one architecture entry
 * per vertex, in the graph's topological order, each with its vertex {@code name}, {@code type} and
 * {@code inputs} (vertex names; the first entry is the graph's {@code input}, the entry with {@code
 * "graph_output": true} its output). Types: input, conv2d (with {@code groups}: a depthwise
 * convolution has groups = channels), batchnorm2d, identity (with an {@code activation}),
 * zero_pad2d, maxpool2d, avgpool2d, global_avg_pool, global_max_pool, flatten, linear, add (the
 * element-wise sum of its inputs: a residual connection). A layer's own activation is the entry's
 * {@code activation} ({@link Activations}); a flattening input preprocessor is {@code "flatten":
 * true}.
 *
 * <p>The exported module always takes NCHW input, whatever the DL4J layout: DL4J keeps convolution
 * weights OIHW in both layouts (it permutes NHWC activations to NCHW around its convolution), so
 * only a flatten of NHWC activations needs a conversion: the rows of the dense weight it feeds,
 * ordered (h, w, c) in DL4J, are permuted to PyTorch's (c, h, w).
 *
 * <p>Tensors are named {@code nodes.VERTEX.PARAM}, the {@code state_dict()} keys of {@code
 * python/medvec_torch.py}'s {@code MedvecGraph}. Conversions as for the sequential export (a
 * log10-std batch norm's variance included), plus: a depthwise weight, DL4J's [kH, kW, C, 1], is
 * PyTorch's [C, 1, kH, kW]. Convolution and pooling in {@code Truncate} mode keep their explicit
 * symmetric padding; in {@code Same} mode a stride-1 odd-kernel layer gets padding k / 2, any other
 * gets {@code "padding": "same"}: TensorFlow's and DL4J's rule, computed from each input's size
 * (output ceil(n / stride), the odd pixel of padding at the bottom and right; {@link Windows}).
 * Anything else is refused with the vertex named.
 */
final class GraphExport {

  private final ComputationGraph graph;
  private final ComputationGraphConfiguration conf;
  private final List<Tensor> tensors = new ArrayList<>();
  private CNN2DFormat layout;

  /** Vertices whose output is a flattened NHWC activation: [channels, height, width]. */
  private final Map<String, long[]> channelsLastFlat = new HashMap<>();

  private GraphExport(ComputationGraph graph) {
    this.graph = graph;
    this.conf = graph.getConfiguration();
  }

  static Export convert(ComputationGraph graph) {
    var conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new UnsupportedOperationException(
          "Cannot export computation graph to PyTorch: it must have one input and one output");
    }
    return new GraphExport(graph).run();
  }

  private Export run() {
    String output = conf.getNetworkOutputs().get(0);
    layout = layout();
    List<Map<String, Object>> arch = new ArrayList<>();
    for (int index : graph.topologicalSortOrder()) {
      GraphVertex v = graph.getVertices()[index];
      String name = v.getVertexName();
      List<String> inputs = new ArrayList<>();
      VertexIndices[] in = v.getInputVertices();
      if (in != null) {
        for (VertexIndices i : in) {
          inputs.add(graph.getVertices()[i.getVertexIndex()].getVertexName());
        }
      }
      Map<String, Object> e = vertex(v, name, inputs);
      e.put("inputs", inputs);
      if (name.equals(output)) {
        if (channelsLastFlat.containsKey(name)) {
          throw unsupported(name, "output", "flattened NHWC activations as the graph's output");
        }
        e.put("graph_output", true);
      }
      arch.add(e);
    }
    return new Export(List.copyOf(tensors), List.copyOf(arch), TorchExport.GRAPH_FORMAT);
  }

  private Map<String, Object> vertex(GraphVertex v, String name, List<String> inputs) {
    var vertexConf = conf.getVertices().get(name);
    if (v.isInputVertex()) {
      return node(name, "input");
    }
    if (v instanceof LayerVertex lv) {
      return layer(lv, name, inputs);
    }
    String what = vertexConf.getClass().getSimpleName();
    refuseChannelsLastFlat(name, what, inputs);
    if (vertexConf instanceof ElementWiseVertex ew && ew.getOp() == ElementWiseVertex.Op.Add) {
      return node(name, "add");
    }
    if (vertexConf instanceof PreprocessorVertex pv
        && pv.getPreProcessor() instanceof CnnToFeedForwardPreProcessor f) {
      flattens(name, f, true);
      return node(name, "flatten");
    }
    throw unsupported(name, what, "vertex");
  }

  private Map<String, Object> layer(LayerVertex v, String name, List<String> inputs) {
    Layer layer = v.getLayer().conf().getLayer();
    var runtime = v.getLayer();
    String what = layer.getClass().getSimpleName();
    InputPreProcessor pre = v.getLayerPreProcessor();
    long[] flat = inputs.size() == 1 ? channelsLastFlat.get(inputs.get(0)) : null;
    if (pre != null) {
      if (!(pre instanceof CnnToFeedForwardPreProcessor f)) {
        throw unsupported(name, what, "input preprocessor " + pre);
      }
      if (flat != null) {
        throw unsupported(name, what, "flattening already flattened activations");
      }
      flat = flattens(name, f, false);
    }
    boolean dense =
        (layer instanceof DenseLayer && layer.getClass() == DenseLayer.class)
            || (layer instanceof OutputLayer && layer.getClass() == OutputLayer.class);
    boolean elementWise = layer instanceof ActivationLayer || layer instanceof DropoutLayer;
    if (flat != null && !dense && !elementWise) {
      throw unsupported(name, what, "a layer reading flattened NHWC activations");
    }
    Map<String, Object> e;
    if (layer instanceof DepthwiseConvolution2D d) {
      if (d.getDepthMultiplier() != 1) {
        throw unsupported(name, what, "depth multiplier " + d.getDepthMultiplier());
      }
      e = Windows.conv(name, d);
      e.put("out_channels", d.getNIn());
      e.put("groups", d.getNIn());
      INDArray w = runtime.getParam("W"); // [kH, kW, C, 1] in both layouts
      INDArray oihw = w.permute(2, 3, 0, 1); // [C, 1, kH, kW]
      tensors.add(Tensor.f32(key(name, "weight"), oihw.shape(), TorchExport.floats(oihw)));
      convBias(name, d, runtime);
      Activations.put(e, name, what, d.getActivationFn());
    } else if (layer instanceof ConvolutionLayer c && layer.getClass() == ConvolutionLayer.class) {
      e = Windows.conv(name, c);
      e.put("out_channels", c.getNOut());
      e.put("groups", 1);
      INDArray w = runtime.getParam("W"); // [out, in, kH, kW] in both layouts
      tensors.add(Tensor.f32(key(name, "weight"), w.shape(), TorchExport.floats(w)));
      convBias(name, c, runtime);
      Activations.put(e, name, what, c.getActivationFn());
    } else if (layer instanceof BatchNormalization bn) {
      if (bn.isLockGammaBeta()) {
        throw unsupported(name, what, "locked gamma/beta");
      }
      e = node(name, "batchnorm2d");
      e.put("num_features", bn.getNOut());
      e.put("eps", bn.getEps());
      flat(name, "weight", runtime.getParam("gamma"));
      flat(name, "bias", runtime.getParam("beta"));
      flat(name, "running_mean", runtime.getParam("mean"));
      float[] var = TorchExport.runningVariance(bn, runtime); // log10(std) converted
      tensors.add(Tensor.f32(key(name, "running_var"), new long[] {var.length}, var));
      tensors.add(Tensor.i64Scalar(key(name, "num_batches_tracked"), 0));
    } else if (layer instanceof ActivationLayer a) {
      e = node(name, "identity");
      Activations.put(e, name, what, a.getActivationFn());
    } else if (layer instanceof DropoutLayer) {
      e = node(name, "identity"); // inference: no dropout
    } else if (layer instanceof ZeroPaddingLayer z) {
      int[] p = z.getPadding(); // top, bottom, left, right
      e = node(name, "zero_pad2d");
      e.put("padding", List.of(p[0], p[1], p[2], p[3]));
    } else if (layer instanceof SubsamplingLayer p && layer.getClass() == SubsamplingLayer.class) {
      e = Windows.pool(name, p);
    } else if (layer instanceof GlobalPoolingLayer g) {
      e = globalPool(name, g);
    } else if (dense) {
      e = linear(name, (FeedForwardLayer) layer, runtime, flat);
      flat = null;
    } else {
      throw unsupported(name, what, "layer type");
    }
    if (pre != null) {
      e.put("flatten", true);
    }
    if (flat != null) { // an element-wise layer keeps the NHWC order of what it reads
      channelsLastFlat.put(name, flat);
    }
    return e;
  }

  /**
   * The [C, H, W] of the input of flatten {@code f} (of vertex {@code name}; recorded if {@code
   * vertex}, a preprocessor vertex) if it is NHWC with more than one pixel, where the order of the
   * flattened values differs from NCHW's; otherwise null.
   */
  private long[] flattens(String name, CnnToFeedForwardPreProcessor f, boolean vertex) {
    if (f.getFormat() != layout) {
      throw unsupported(
          name,
          "CnnToFeedForwardPreProcessor",
          "flatten of " + f.getFormat() + " activations in an " + layout + " graph");
    }
    if (f.getFormat() != CNN2DFormat.NHWC || f.getInputHeight() * f.getInputWidth() == 1) {
      return null;
    }
    long[] chw = {f.getNumChannels(), f.getInputHeight(), f.getInputWidth()};
    if (vertex) {
      channelsLastFlat.put(name, chw);
    }
    return chw;
  }

  private void refuseChannelsLastFlat(String name, String what, List<String> inputs) {
    for (String input : inputs) {
      if (channelsLastFlat.containsKey(input)) {
        throw unsupported(name, what, "a vertex reading flattened NHWC activations");
      }
    }
  }

  private Map<String, Object> linear(
      String name, FeedForwardLayer ff, org.deeplearning4j.nn.api.Layer runtime, long[] chw) {
    boolean bias = ff instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) ff).hasBias();
    Map<String, Object> e = node(name, "linear");
    e.put("in_features", ff.getNIn());
    e.put("out_features", ff.getNOut());
    e.put("bias", bias);
    INDArray w = runtime.getParam("W"); // [in, out]
    INDArray outIn;
    if (chw == null) {
      outIn = w.transpose();
    } else {
      // DL4J's rows are the NHWC flatten (h, w, c); PyTorch's columns the NCHW one (c, h, w)
      long out = w.size(1);
      outIn = w.dup('c').reshape('c', chw[1], chw[2], chw[0], out).permute(3, 2, 0, 1);
    }
    tensors.add(
        Tensor.f32(
            key(name, "weight"), new long[] {w.size(1), w.size(0)}, TorchExport.floats(outIn)));
    if (bias) {
      flat(name, "bias", runtime.getParam("b"));
    }
    Activations.put(e, name, ff.getClass().getSimpleName(), ((BaseLayer) ff).getActivationFn());
    return e;
  }

  private Map<String, Object> globalPool(String name, GlobalPoolingLayer g) {
    String what = g.getClass().getSimpleName();
    int[] dims = g.getPoolingDimensions();
    // DL4J pools the axes it is given: they must be H and W of the graph's layout
    int[] spatial = layout == CNN2DFormat.NHWC ? new int[] {1, 2} : new int[] {2, 3};
    boolean overSpatial =
        dims == null
            ? spatial[0] == 2
            : java.util.Arrays.equals(java.util.Arrays.stream(dims).sorted().toArray(), spatial);
    if (!g.isCollapseDimensions() || !overSpatial) {
      throw unsupported(name, what, "global pooling that keeps or mixes up its axes");
    }
    if (g.getPoolingType() == PoolingType.AVG) {
      return node(name, "global_avg_pool");
    }
    if (g.getPoolingType() == PoolingType.MAX) {
      return node(name, "global_max_pool");
    }
    throw unsupported(name, what, "global pooling " + g.getPoolingType());
  }

  /** The layout of the graph's convolutional layers; refused where they disagree. */
  private CNN2DFormat layout() {
    CNN2DFormat found = null;
    for (GraphVertex v : graph.getVertices()) {
      if (!(v instanceof LayerVertex lv)) {
        continue;
      }
      Layer l = lv.getLayer().conf().getLayer();
      CNN2DFormat f =
          l instanceof ConvolutionLayer c
              ? c.getCnn2dDataFormat()
              : l instanceof SubsamplingLayer s
                  ? s.getCnn2dDataFormat()
                  : l instanceof BatchNormalization b
                      ? b.getCnn2DFormat()
                      : l instanceof ZeroPaddingLayer z ? z.getDataFormat() : null;
      if (f != null && found != null && f != found) {
        throw unsupported(
            v.getVertexName(), l.getClass().getSimpleName(), "mix of NCHW and NHWC layers");
      }
      found = f == null ? found : f;
    }
    return found == null ? CNN2DFormat.NCHW : found;
  }

  private void convBias(String name, ConvolutionLayer c, org.deeplearning4j.nn.api.Layer runtime) {
    if (c.hasBias()) {
      flat(name, "bias", runtime.getParam("b"));
    }
  }

  static Map<String, Object> node(String name, String type) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("name", name);
    e.put("type", type);
    return e;
  }

  static String key(String vertex, String param) {
    return "nodes." + vertex + "." + param;
  }

  private void flat(String name, String param, INDArray value) {
    tensors.add(
        Tensor.f32(key(name, param), new long[] {value.length()}, TorchExport.floats(value)));
  }

  static UnsupportedOperationException unsupported(String vertex, String what, String why) {
    return new UnsupportedOperationException(
        "Cannot export vertex " + vertex + " (" + what + ") to PyTorch: unsupported " + why);
  }
}
