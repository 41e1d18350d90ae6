package io.medvec.core.model;

import io.medvec.core.data.ImageSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One DL4J network, a {@link MultiLayerNetwork} or a single-input, single-output {@link
 * ComputationGraph}, behind the few operations the pipeline needs: its parameter table in a fixed
 * order, its layers in topological order, inference, training steps and the configuration JSON.
 *
 * <p>Parameter keys are DL4J's parameter-table keys: {@code INDEX_PARAM} for a multi-layer network
 * ({@code 1_W}), {@code LAYERNAME_PARAM} for a graph ({@code conv2d_1_W}; the parameter name never
 * holds an underscore). The order is the networks' own layer order — a multi-layer network's layer
 * list, a graph's topological order — so it is the same for every copy of the same architecture.
 *
 * <p>Inputs are taken from an {@link ImageSet} (NCHW, pixels in [0, 1]) and handed to the network
 * in its own layout ({@link #inputFormat()}) and pixel scale ({@link #inputScale()}).
 */
public final class Network {

  /**
   * A layer with parameters (or a batch-norm layer) and where its parameters live.
   *
   * @param name the key prefix: the layer index of a multi-layer network, the vertex name in a
   *     graph
   * @param conf the layer's configuration, unwrapped from a frozen wrapper
   * @param frozen whether training leaves it unchanged (a {@link FrozenLayer})
   * @param runtime the layer object holding the parameters
   */
  public record LayerRef(
      String name, org.deeplearning4j.nn.conf.layers.Layer conf, boolean frozen, Layer runtime) {

    /** The parameter-table key of parameter {@code param} of this layer. */
    public String key(String param) {
      return name + "_" + param;
    }
  }

  private final MultiLayerNetwork mln;
  private final ComputationGraph graph;
  private final PixelScale scale;
  private final List<LayerRef> layers;
  private final Map<String, LayerRef> byKey;

  private Network(MultiLayerNetwork mln, ComputationGraph graph, PixelScale scale) {
    this.mln = mln;
    this.graph = graph;
    this.scale = Objects.requireNonNull(scale, "scale");
    this.layers = Collections.unmodifiableList(collectLayers());
    this.byKey = new LinkedHashMap<>();
    for (LayerRef layer : layers) {
      for (String param : layer.runtime().paramTable().keySet()) {
        byKey.put(layer.key(param), layer);
      }
    }
  }

  /** A multi-layer network (NCHW, pixels in [0, 1]). */
  public static Network of(MultiLayerNetwork net) {
    return new Network(Objects.requireNonNull(net, "net"), null, PixelScale.UNIT);
  }

  /** A graph fed pixels in [0, 1]; refused unless it has exactly one input and one output. */
  public static Network of(ComputationGraph graph) {
    return of(graph, PixelScale.UNIT);
  }

  /** A graph fed pixels in {@code scale}; refused unless it has one input and one output. */
  public static Network of(ComputationGraph graph, PixelScale scale) {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
      throw new IllegalArgumentException(
          "Cannot use computation graph: it must have one input and one output (inputs "
              + conf.getNetworkInputs()
              + ", outputs "
              + conf.getNetworkOutputs()
              + ")");
    }
    return new Network(null, graph, scale);
  }

  /** The same network fed pixels in {@code scale}. */
  public Network withInputScale(PixelScale newScale) {
    return mln != null ? new Network(mln, null, newScale) : new Network(null, graph, newScale);
  }

  /** The DL4J object (for {@code ModelSerializer} and the like). */
  public Model model() {
    return mln != null ? mln : graph;
  }

  public boolean isGraph() {
    return graph != null;
  }

  /** The multi-layer network; refused for a graph. */
  public MultiLayerNetwork multiLayer() {
    if (mln == null) {
      throw new IllegalStateException("Cannot use a computation graph as a MultiLayerNetwork");
    }
    return mln;
  }

  /** The graph; refused for a multi-layer network. */
  public ComputationGraph graph() {
    if (graph == null) {
      throw new IllegalStateException("Cannot use a MultiLayerNetwork as a computation graph");
    }
    return graph;
  }

  public PixelScale inputScale() {
    return scale;
  }

  /** Layers with parameters or batch-norm, in the order of the parameter table. */
  public List<LayerRef> layers() {
    return layers;
  }

  /** The parameter table: key → live view into the parameters (copy before changing the net). */
  public Map<String, INDArray> paramTable() {
    if (mln != null) {
      return mln.paramTable();
    }
    Map<String, INDArray> table = new LinkedHashMap<>();
    for (LayerRef layer : layers) {
      for (Map.Entry<String, INDArray> e : layer.runtime().paramTable().entrySet()) {
        table.put(layer.key(e.getKey()), e.getValue());
      }
    }
    return table;
  }

  /** The layer holding parameter {@code key}; refused for an unknown key. */
  public LayerRef layerOf(String key) {
    LayerRef layer = byKey.get(key);
    if (layer == null) {
      throw new IllegalArgumentException(
          "Cannot find parameter: the network has no parameter " + key);
    }
    return layer;
  }

  /** The parameter name inside its layer ({@code W}, {@code mean}) of {@code key}. */
  public String paramName(String key) {
    return key.substring(layerOf(key).name().length() + 1);
  }

  public INDArray getParam(String key) {
    return mln != null ? mln.getParam(key) : layerOf(key).runtime().getParam(paramName(key));
  }

  /** Copies {@code value} into parameter {@code key}. */
  public void setParam(String key, INDArray value) {
    if (mln != null) {
      mln.setParam(key, value);
    } else {
      layerOf(key).runtime().setParam(paramName(key), value);
    }
  }

  public long numParams() {
    return mln != null ? mln.numParams() : graph.numParams();
  }

  /** Inference-mode output for {@code features} already in the network's layout and scale. */
  public INDArray output(INDArray features) {
    return mln != null ? mln.output(features, false) : graph.outputSingle(false, features);
  }

  /** One training step on a minibatch in the network's layout and scale. */
  public void fit(DataSet batch) {
    if (mln != null) {
      mln.fit(batch);
    } else {
      graph.fit(batch);
    }
  }

  /** The loss of the last training step. */
  public double score() {
    return mln != null ? mln.score() : graph.score();
  }

  public void setLearningRate(double learningRate) {
    if (mln != null) {
      mln.setLearningRate(learningRate);
    } else {
      graph.setLearningRate(learningRate);
    }
  }

  /** The runtime layers (for installing helpers). */
  public Layer[] runtimeLayers() {
    return mln != null ? mln.getLayers() : graph.getLayers();
  }

  /** A deep copy with the same parameters (updater state included). */
  public Network copy() {
    return mln != null
        ? new Network(mln.clone(), null, scale)
        : new Network(null, graph.clone(), scale);
  }

  /** The architecture as JSON with the training counters zeroed (saving does not change it). */
  public String configurationJson() {
    if (mln != null) {
      MultiLayerConfiguration conf = mln.getLayerWiseConfigurations().clone();
      conf.setIterationCount(0);
      conf.setEpochCount(0);
      return conf.toJson();
    }
    ComputationGraphConfiguration conf = graph.getConfiguration().clone();
    conf.setIterationCount(0);
    conf.setEpochCount(0);
    return conf.toJson();
  }

  /** The input layout: NCHW for a multi-layer network; a graph's first convolution's layout. */
  public CNN2DFormat inputFormat() {
    if (mln != null) {
      return CNN2DFormat.NCHW;
    }
    for (int index : graph.topologicalSortOrder()) {
      GraphVertex v = graph.getVertices()[index];
      if (v.hasLayer()) {
        org.deeplearning4j.nn.conf.layers.Layer conf = unwrap(v.getLayer().conf().getLayer());
        if (conf instanceof ConvolutionLayer c) {
          return c.getCnn2dDataFormat();
        }
        if (conf instanceof SubsamplingLayer s) {
          return s.getCnn2dDataFormat();
        }
        if (conf instanceof BatchNormalization b) {
          return b.getCnn2DFormat();
        }
      }
    }
    throw new IllegalArgumentException(
        "Cannot use computation graph: no convolution layer tells its input layout");
  }

  /** Images {@code order[from, to)} of {@code set} as a batch in the network's layout and scale. */
  public INDArray features(ImageSet set, int[] order, int from, int to) {
    return input(Batches.features(set, order, from, to));
  }

  /** A batch of NCHW images in [0, 1] in the network's layout and scale. */
  public INDArray input(INDArray nchw) {
    if (!scale.isIdentity()) {
      nchw = scale.apply(nchw);
    }
    return inputFormat() == CNN2DFormat.NHWC ? nchw.permute(0, 2, 3, 1).dup('c') : nchw;
  }

  /** The input channels: the first layer's (in {@link #layers()} order) input width. */
  public int inputChannels() {
    if (mln != null) {
      return Math.toIntExact(mln.layerInputSize(0));
    }
    return Math.toIntExact(
        ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layers.get(0).conf()).getNIn());
  }

  /** The number of classes: the output layer's width. */
  public int numOutputs() {
    return Math.toIntExact(
        ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) outputLayer().conf()).getNOut());
  }

  /** Features and one-hot labels of images {@code order[from, to)}. */
  public DataSet dataSet(ImageSet set, int[] order, int from, int to) {
    return new DataSet(features(set, order, from, to), Batches.oneHot(set, order, from, to));
  }

  /**
   * Inference-mode activations, for {@code features} in the network's layout, of the layers of a
   * multi-layer network (keyed by index) up to and including layer {@code name}, or of a graph's
   * vertices (keyed by name) in topological order at least up to and including vertex {@code name}:
   * the graph's forward pass stops early where DL4J lets it. The entry of {@link #inputNameOf} is
   * the layer's input.
   */
  public Map<String, INDArray> activationsUpTo(String name, INDArray features) {
    if (mln != null) {
      int index = Integer.parseInt(name);
      List<INDArray> acts = mln.feedForwardToLayer(Math.max(0, index - 1), features, false);
      Map<String, INDArray> out = new LinkedHashMap<>();
      for (int i = 0; i < acts.size(); i++) {
        out.put(String.valueOf(i - 1), acts.get(i)); // entry i is the output of layer i - 1
      }
      return out;
    }
    if (!graph.getConfiguration().getVertices().containsKey(name)) {
      throw new IllegalArgumentException(
          "Cannot compute activations up to layer " + name + ": the graph has no such layer");
    }
    // ComputationGraph.feedForward(input, n, train) (DL4J M2.1) runs the vertices at topological
    // positions 0..layers[n].getIndex(): it compares a vertex index with topological positions.
    // So it stops early only through the layer whose index is the smallest at or past the
    // position of this layer; a graph without one runs whole
    int required = 0;
    int[] order = graph.topologicalSortOrder();
    int self = graph.getVertex(name).getVertexIndex();
    while (order[required] != self) {
      required++;
    }
    org.deeplearning4j.nn.api.Layer[] all = graph.getLayers();
    int stop = -1;
    for (int n = 0; n < all.length; n++) {
      int index = all[n].getIndex();
      if (index >= required && (stop < 0 || index < all[stop].getIndex())) {
        stop = n;
      }
    }
    if (stop >= 0) {
      Map<String, INDArray> partial = graph.feedForward(features, stop, false);
      if (partial.containsKey(name)) { // and so every vertex before it
        return partial;
      }
    }
    return graph.feedForward(features, false);
  }

  /** The key of {@link #activationsUpTo} that holds the input of layer {@code name}. */
  public String inputNameOf(String name) {
    if (mln != null) {
      return String.valueOf(Integer.parseInt(name) - 1);
    }
    GraphVertex v = graph.getVertex(name);
    if (v.getInputVertices() == null || v.getInputVertices().length != 1) {
      throw new IllegalArgumentException(
          "Cannot find the input of layer " + name + ": it does not have exactly one input");
    }
    return graph.getVertices()[v.getInputVertices()[0].getVertexIndex()].getVertexName();
  }

  /** Whether layer {@code name} transforms its input before use (an input preprocessor). */
  public boolean hasPreprocessor(String name) {
    if (mln != null) {
      return mln.getLayerWiseConfigurations().getInputPreProcess(Integer.parseInt(name)) != null;
    }
    GraphVertex v = graph.getVertex(name);
    return v instanceof LayerVertex lv && lv.getLayerPreProcessor() != null;
  }

  /** The output layer: the last layer of a multi-layer network, the output vertex of a graph. */
  public LayerRef outputLayer() {
    String name =
        mln != null
            ? String.valueOf(mln.getnLayers() - 1)
            : graph.getConfiguration().getNetworkOutputs().get(0);
    return layers.stream()
        .filter(l -> l.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "Cannot find the output layer " + name + ": it has no parameters"));
  }

  /** Whether the output layer is preceded by at least one other layer. */
  public boolean outputHasPredecessor() {
    return mln != null
        ? mln.getnLayers() > 1
        : graph.getVertex(outputLayer().name()).getInputVertices() != null;
  }

  private List<LayerRef> collectLayers() {
    List<LayerRef> out = new ArrayList<>();
    Layer[] runtime = mln != null ? mln.getLayers() : graphLayersInTopologicalOrder();
    for (int i = 0; i < runtime.length; i++) {
      Layer layer = runtime[i];
      org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
      // a frozen runtime layer hands out its wrapped layer's configuration, so ask both
      boolean frozen =
          layer instanceof org.deeplearning4j.nn.layers.FrozenLayer
              || layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop
              || conf instanceof FrozenLayer
              || conf instanceof FrozenLayerWithBackprop;
      String name = mln != null ? String.valueOf(i) : conf.getLayerName();
      if (layer.numParams() > 0 || unwrap(conf) instanceof BatchNormalization) {
        out.add(new LayerRef(name, unwrap(conf), frozen, layer));
      }
    }
    return out;
  }

  /** The graph's runtime layers in its topological order (a layer after every layer it reads). */
  private Layer[] graphLayersInTopologicalOrder() {
    List<Layer> ordered = new ArrayList<>();
    for (int index : graph.topologicalSortOrder()) {
      GraphVertex v = graph.getVertices()[index];
      if (v.hasLayer()) {
        ordered.add(v.getLayer());
      }
    }
    return ordered.toArray(Layer[]::new);
  }

  /** The configuration inside a frozen wrapper, or {@code conf} itself. */
  static org.deeplearning4j.nn.conf.layers.Layer unwrap(
      org.deeplearning4j.nn.conf.layers.Layer conf) {
    if (conf instanceof FrozenLayer f) {
      return unwrap(f.getLayer());
    }
    if (conf instanceof FrozenLayerWithBackprop f) {
      return unwrap(f.getUnderlying());
    }
    return conf;
  }

  @Override
  public String toString() {
    return (mln != null ? "MultiLayerNetwork" : "ComputationGraph")
        + Arrays.toString(layers.stream().map(LayerRef::name).toArray());
  }
}
