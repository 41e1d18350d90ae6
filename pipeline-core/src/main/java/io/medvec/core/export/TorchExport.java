package io.medvec.core.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.export.Safetensors.Tensor;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.model.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J network as a safetensors file that PyTorch loads into the module {@code
 * python/medvec_torch.py} defines: a {@code torch.nn.Sequential} named {@code layers}, one module
 * per entry of the architecture recorded in the file's metadata ({@code medvec.architecture}:
 * conv2d, batchnorm2d, relu, sigmoid, tanh, maxpool2d, flatten, linear, softmax), so the tensor
 * names are that module's {@code state_dict()} keys ({@code layers.0.weight}, {@code
 * layers.1.running_var}, …).
 *
 * <p>Conversions: convolution weights are OIHW in both; DL4J's dense weights are [in, out] and
 * PyTorch's [out, in] (transposed here); batch-norm running variance is exported as is (medvec's
 * networks keep variance, not log-std; a log-std layer is converted); a 2×2 max pooling in DL4J's
 * Same mode is PyTorch's {@code ceil_mode=True}; flattening is NCHW's C, H, W order in both.
 * Anything else is refused with the layer named ({@link #convert}). A computation graph, NCHW or
 * NHWC (an imported Keras model), is exported by vertex, with its additions, as a module that takes
 * NCHW input ({@link GraphExport}). {@link #convert(Network)} also records the network's input
 * transform, so PyTorch can be fed [0, 1] pixels as medvec feeds them.
 */
public final class TorchExport {

  /** The file name beside a model.zip. */
  public static final String FILE = "model.safetensors";

  /** The metadata key holding the architecture (a JSON list of layer entries). */
  public static final String ARCHITECTURE_KEY = "medvec.architecture";

  /** The metadata key naming the format (and its version) of the architecture entries. */
  public static final String FORMAT_KEY = "medvec.format";

  static final String FORMAT = "medvec-torch-sequential/1";

  /** The format of a computation graph's architecture: named nodes with their inputs. */
  static final String GRAPH_FORMAT = "medvec-torch-graph/1";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TorchExport() {}

  /**
   * The metadata key holding the factor of the network's input transform, per channel (a JSON
   * array): the module's input is {@code factor·x + offset} for NCHW pixels x in [0, 1].
   */
  public static final String INPUT_FACTOR_KEY = "medvec.input_factor";

  /** The metadata key holding the offset of the network's input transform, per channel. */
  public static final String INPUT_OFFSET_KEY = "medvec.input_offset";

  /**
   * The tensors and the architecture PyTorch needs, built from {@code net} (copies), the format of
   * the architecture's entries ({@value #FORMAT} or {@value #GRAPH_FORMAT}) and metadata that
   * describes the network beyond its architecture (its input transform), written into the file.
   */
  public record Export(
      List<Tensor> tensors,
      List<Map<String, Object>> architecture,
      String format,
      Map<String, String> metadata) {

    public Export {
      metadata = Map.copyOf(metadata);
    }

    /** A multi-layer network's export ({@value TorchExport#FORMAT}). */
    public Export(List<Tensor> tensors, List<Map<String, Object>> architecture) {
      this(tensors, architecture, FORMAT);
    }

    /** An export without metadata of its own. */
    public Export(List<Tensor> tensors, List<Map<String, Object>> architecture, String format) {
      this(tensors, architecture, format, Map.of());
    }

    /** This export with {@code more} metadata. */
    public Export withMetadata(Map<String, String> more) {
      Map<String, String> all = new LinkedHashMap<>(metadata);
      all.putAll(more);
      return new Export(tensors, architecture, format, all);
    }
  }

  /**
   * Converts {@code net}, a multi-layer network or a graph, with its input transform ({@link
   * #INPUT_FACTOR_KEY}, {@link #INPUT_OFFSET_KEY}); throws {@link UnsupportedOperationException}
   * naming what has no PyTorch counterpart.
   */
  public static Export convert(Network net) {
    Export export = net.isGraph() ? GraphExport.convert(net.graph()) : convert(net.multiLayer());
    return export.withMetadata(inputTransform(net));
  }

  /** The input transform of {@code net} as metadata: factors and offsets per input channel. */
  static Map<String, String> inputTransform(Network net) {
    int channels = net.inputChannels();
    try {
      return Map.of(
          INPUT_FACTOR_KEY,
          MAPPER.writeValueAsString(net.inputScale().factors(channels)),
          INPUT_OFFSET_KEY,
          MAPPER.writeValueAsString(net.inputScale().offsets(channels)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Converts {@code net}; throws {@link UnsupportedOperationException} naming the layer. */
  public static Export convert(MultiLayerNetwork net) {
    MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
    List<Tensor> tensors = new ArrayList<>();
    List<Map<String, Object>> arch = new ArrayList<>();
    for (int i = 0; i < net.getnLayers(); i++) {
      Layer layer = conf.getConf(i).getLayer();
      InputPreProcessor pre = conf.getInputPreProcess(i);
      if (pre != null) {
        if (!(pre instanceof CnnToFeedForwardPreProcessor flatten)
            || flatten.getFormat() != CNN2DFormat.NCHW) {
          throw unsupportedLayer(i, layer, "input preprocessor " + pre);
        }
        arch.add(entry("flatten"));
      }
      if (layer instanceof ConvolutionLayer c && layer.getClass() == ConvolutionLayer.class) {
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
          throw unsupportedLayer(i, layer, "data format " + c.getCnn2dDataFormat());
        }
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        int[] pad;
        if (c.getConvolutionMode() == ConvolutionMode.Same) {
          if (s[0] != 1 || s[1] != 1 || k[0] % 2 == 0 || k[1] % 2 == 0 || d[0] != 1 || d[1] != 1) {
            throw unsupportedLayer(i, layer, "Same mode needs stride 1, dilation 1, odd kernel");
          }
          pad = new int[] {k[0] / 2, k[1] / 2};
        } else if (c.getConvolutionMode() == ConvolutionMode.Truncate) {
          pad = c.getPadding();
        } else {
          throw unsupportedLayer(i, layer, "convolution mode " + c.getConvolutionMode());
        }
        Map<String, Object> e = entry("conv2d");
        e.put("in_channels", c.getNIn());
        e.put("out_channels", c.getNOut());
        e.put("kernel_size", List.of(k[0], k[1]));
        e.put("stride", List.of(s[0], s[1]));
        e.put("padding", List.of(pad[0], pad[1]));
        e.put("bias", c.hasBias());
        int idx = arch.size();
        arch.add(e);
        tensors.add(f32(idx, "weight", net.getLayer(i).getParam("W")));
        if (c.hasBias()) {
          tensors.add(f32Flat(idx, "bias", net.getLayer(i).getParam("b")));
        }
        activation(arch, i, layer, c.getActivationFn());
      } else if (layer instanceof BatchNormalization bn) {
        if (bn.isLockGammaBeta()) {
          throw unsupportedLayer(i, layer, "locked gamma/beta");
        }
        Map<String, Object> e = entry("batchnorm2d");
        e.put("num_features", bn.getNOut());
        e.put("eps", bn.getEps());
        int idx = arch.size();
        arch.add(e);
        var l = net.getLayer(i);
        tensors.add(f32Flat(idx, "weight", l.getParam("gamma")));
        tensors.add(f32Flat(idx, "bias", l.getParam("beta")));
        tensors.add(f32Flat(idx, "running_mean", l.getParam("mean")));
        float[] var = runningVariance(bn, l);
        tensors.add(Tensor.f32(name(idx, "running_var"), new long[] {var.length}, var));
        tensors.add(Tensor.i64Scalar(name(idx, "num_batches_tracked"), 0));
      } else if (layer instanceof ActivationLayer a) {
        activation(arch, i, layer, a.getActivationFn());
      } else if (layer instanceof SubsamplingLayer p
          && layer.getClass() == SubsamplingLayer.class) {
        int[] k = p.getKernelSize();
        int[] s = p.getStride();
        if (p.getPoolingType() != PoolingType.MAX || p.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
          throw unsupportedLayer(i, layer, "pooling " + p.getPoolingType());
        }
        Map<String, Object> e = entry("maxpool2d");
        e.put("kernel_size", List.of(k[0], k[1]));
        e.put("stride", List.of(s[0], s[1]));
        if (p.getConvolutionMode() == ConvolutionMode.Same) {
          // Same pads bottom/right only, by less than the kernel: PyTorch's ceil mode
          if (k[0] != s[0] || k[1] != s[1]) {
            throw unsupportedLayer(i, layer, "Same-mode pooling with kernel != stride");
          }
          e.put("padding", List.of(0, 0));
          e.put("ceil_mode", true);
        } else if (p.getConvolutionMode() == ConvolutionMode.Truncate) {
          int[] pad = p.getPadding();
          e.put("padding", List.of(pad[0], pad[1]));
          e.put("ceil_mode", false);
        } else {
          throw unsupportedLayer(i, layer, "convolution mode " + p.getConvolutionMode());
        }
        arch.add(e);
      } else if ((layer instanceof DenseLayer && layer.getClass() == DenseLayer.class)
          || (layer instanceof OutputLayer && layer.getClass() == OutputLayer.class)) {
        var ff = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
        boolean bias =
            layer instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) layer).hasBias();
        Map<String, Object> e = entry("linear");
        e.put("in_features", ff.getNIn());
        e.put("out_features", ff.getNOut());
        e.put("bias", bias);
        int idx = arch.size();
        arch.add(e);
        INDArray w = net.getLayer(i).getParam("W"); // [in, out]
        tensors.add(
            Tensor.f32(
                name(idx, "weight"), new long[] {w.size(1), w.size(0)}, floats(w.transpose())));
        if (bias) {
          tensors.add(f32Flat(idx, "bias", net.getLayer(i).getParam("b")));
        }
        activation(
            arch,
            i,
            layer,
            ((org.deeplearning4j.nn.conf.layers.BaseLayer) layer).getActivationFn());
      } else {
        throw unsupportedLayer(i, layer, "layer type");
      }
    }
    return new Export(List.copyOf(tensors), List.copyOf(arch));
  }

  /**
   * Writes {@code export} as {@code file} (atomically: a hidden temporary file renamed into place)
   * with its metadata and {@code metadata} (strings) beside the architecture.
   */
  public static void write(
      Configuration conf, Path file, Export export, Map<String, String> metadata) {
    Map<String, String> meta = new LinkedHashMap<>(export.metadata());
    meta.putAll(metadata);
    meta.put(FORMAT_KEY, export.format());
    try {
      meta.put(ARCHITECTURE_KEY, MAPPER.writeValueAsString(export.architecture()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HadoopFiles.writeAtomically(conf, file, out -> Safetensors.write(out, export.tensors(), meta));
  }

  /** {@link #convert}s {@code net} and {@link #write}s it. */
  public static void write(
      Configuration conf, Path file, MultiLayerNetwork net, Map<String, String> metadata) {
    write(conf, file, convert(net), metadata);
  }

  private static void activation(
      List<Map<String, Object>> arch, int i, Layer layer, IActivation fn) {
    if (fn instanceof ActivationIdentity) {
      return;
    }
    if (fn instanceof ActivationReLU relu && isPlainRelu(relu)) {
      arch.add(entry("relu"));
    } else if (fn instanceof ActivationSoftmax) {
      arch.add(entry("softmax"));
    } else if (fn instanceof ActivationSigmoid) {
      arch.add(entry("sigmoid"));
    } else if (fn instanceof ActivationTanH) {
      arch.add(entry("tanh"));
    } else {
      throw unsupportedLayer(i, layer, "activation " + fn);
    }
  }

  /**
   * The running variance of batch-norm layer {@code bn}, converted from log10(std) if it keeps
   * that.
   */
  static float[] runningVariance(BatchNormalization bn, org.deeplearning4j.nn.api.Layer runtime) {
    if (!bn.isUseLogStd()) {
      return floats(runtime.getParam("var"));
    }
    float[] logStd = floats(runtime.getParam("log10stdev"));
    float[] var = new float[logStd.length];
    for (int j = 0; j < var.length; j++) {
      double std = Math.pow(10, logStd[j]);
      var[j] = (float) (std * std);
    }
    return var;
  }

  static boolean isPlainRelu(ActivationReLU relu) {
    // ReLU with a max value, threshold or negative slope is not torch.nn.ReLU
    return relu.getMax() == null
        && (relu.getThreshold() == null || relu.getThreshold() == 0)
        && (relu.getNegativeSlope() == null || relu.getNegativeSlope() == 0);
  }

  static Map<String, Object> entry(String type) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("type", type);
    return e;
  }

  static String name(int index, String param) {
    return "layers." + index + "." + param;
  }

  private static Tensor f32(int index, String param, INDArray value) {
    return Tensor.f32(name(index, param), value.shape(), floats(value));
  }

  private static Tensor f32Flat(int index, String param, INDArray value) {
    return Tensor.f32(name(index, param), new long[] {value.length()}, floats(value));
  }

  /** A row-major copy of {@code value}'s elements (never a view of the network's parameters). */
  static float[] floats(INDArray value) {
    return org.nd4j.linalg.factory.Nd4j.toFlattened('c', value).toFloatVector();
  }

  private static UnsupportedOperationException unsupportedLayer(int i, Layer layer, String why) {
    return new UnsupportedOperationException(
        "Cannot export layer "
            + i
            + " ("
            + layer.getClass().getSimpleName()
            + (layer.getLayerName() == null ? "" : " " + layer.getLayerName())
            + ") to PyTorch: unsupported "
            + why);
  }
}
