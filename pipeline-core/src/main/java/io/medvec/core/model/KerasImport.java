package io.medvec.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A pre-trained Keras functional model (HDF5, channels-last) as θ_pre: imported into a DL4J {@link
 * ComputationGraph} with its weights and batch-norm statistics, its classifier replaced by a new
 * softmax head for the consortium's classes ({@link #withHead}), optionally with its first layers
 * frozen, and its input contract ({@link InputContract}) recorded for the base's preprocessing.
 */
public final class KerasImport {

  /** Name of the new classification head's vertex. */
  public static final String HEAD = "medvec_head";

  /** Keras layer freezing: that vertex and everything it depends on keep θ_pre's values. */
  public static final ConfigKey<String> FREEZE_THROUGH =
      ConfigKey.string(
          "pretrain.freeze-through",
          "",
          "with an imported Keras model: freeze this layer (its Keras name) and every layer it"
              + " depends on; frozen parameters keep theta_pre's values and are left out of the data"
              + " vectors (empty: nothing frozen)");

  /** Pixel range the imported network was trained on. */
  public static final ConfigKey<PixelScale.Range> INPUT_SCALE =
      ConfigKey.enumValue(
          "pretrain.input-scale",
          PixelScale.Range.class,
          PixelScale.Range.UNIT,
          "with an imported Keras model: the pixel range it was trained on (unit [0,1], byte"
              + " [0,255], signed [-1,1]); images are scaled to it before every forward pass");

  /**
   * What an imported network expects of its input.
   *
   * @param height image height in pixels
   * @param width image width in pixels
   * @param channels colour channels (3 RGB, 1 grey)
   * @param layout tensor layout handed to the network ({@code NHWC} for Keras)
   * @param scale pixel range
   */
  public record InputContract(
      int height, int width, int channels, CNN2DFormat layout, PixelScale scale) {

    /** As manifest fields ({@code height, width, channels, layout, scale}). */
    public java.util.Map<String, Object> fields() {
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      out.put("height", height);
      out.put("width", width);
      out.put("channels", channels);
      out.put("layout", layout.name());
      out.putAll(scale.fields());
      return out;
    }
  }

  /**
   * An imported network.
   *
   * @param network the graph, fed pixels in the contract's scale
   * @param contract its input contract
   * @param source the file it came from
   */
  public record Imported(Network network, InputContract contract, Path source) {}

  private KerasImport() {}

  /** Imports {@code file} as it is (original head), fed pixels in {@code scale}. */
  public static Imported load(Path file, PixelScale scale) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "Cannot import Keras model: file does not exist or is a directory (" + file + ")");
    }
    FastPath.enable();
    int[] shape = inputShape(file);
    ComputationGraph graph;
    try {
      graph = KerasModelImport.importKerasModelAndWeights(file.toString(), false);
    } catch (Exception e) { // IOException and Keras's checked configuration exceptions
      throw new IllegalArgumentException(
          "Cannot import Keras model: DL4J cannot read it (" + file + "): " + e.getMessage(), e);
    }
    Network network = Network.of(graph, scale);
    CNN2DFormat layout = network.inputFormat();
    InputContract contract = new InputContract(shape[0], shape[1], shape[2], layout, scale);
    return new Imported(network, contract, file);
  }

  /**
   * A copy of {@code imported} with its output layer replaced by a new softmax {@link OutputLayer}
   * of {@code numClasses} classes (Xavier weights from {@code seed}) fed by the same vertex, every
   * trainable layer set to Adam at {@code learningRate}, and, unless {@code freezeThrough} is
   * empty, that vertex and all it depends on frozen.
   */
  public static Network withHead(
      Network imported, int numClasses, String freezeThrough, double learningRate, long seed) {
    if (numClasses < 2) {
      throw new IllegalArgumentException(
          "Cannot build a classification head: fewer than 2 classes (" + numClasses + ")");
    }
    ComputationGraph graph = imported.graph();
    Network.LayerRef out = imported.outputLayer();
    String feed = imported.inputNameOf(out.name());
    if (!(out.conf() instanceof FeedForwardLayer dense)) {
      throw new IllegalArgumentException(
          "Cannot replace the classifier: output layer "
              + out.name()
              + " is a "
              + out.conf().getClass().getSimpleName()
              + ", not a dense layer");
    }
    if (freezeThrough.equals(out.name())) {
      throw new ConfigException(
          "Cannot freeze layers: "
              + freezeThrough
              + " is the classifier the new head replaces (set "
              + FREEZE_THROUGH.name()
              + " to a layer before it, e.g. "
              + feed
              + ")");
    }
    if (!freezeThrough.isEmpty() && graph.getVertex(freezeThrough) == null) {
      throw new ConfigException(
          "Cannot freeze layers: the imported model has no layer "
              + freezeThrough
              + " (set "
              + FREEZE_THROUGH.name()
              + " to one of "
              + layerNames(imported)
              + ")");
    }
    FineTuneConfiguration fineTune =
        new FineTuneConfiguration.Builder().updater(new Adam(learningRate)).seed(seed).build();
    TransferLearning.GraphBuilder builder =
        new TransferLearning.GraphBuilder(graph)
            .fineTuneConfiguration(fineTune)
            .removeVertexAndConnections(out.name())
            .addLayer(
                HEAD,
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(dense.getNIn())
                    .nOut(numClasses)
                    .activation(Activation.SOFTMAX)
                    .weightInit(WeightInit.XAVIER)
                    .build(),
                feed)
            .setOutputs(HEAD);
    if (!freezeThrough.isEmpty()) {
      builder.setFeatureExtractor(freezeThrough);
    }
    return Network.of(builder.build(), imported.inputScale());
  }

  /** Keras names of the layers with parameters, in topological order. */
  static List<String> layerNames(Network net) {
    List<String> names = new ArrayList<>();
    for (Network.LayerRef layer : net.layers()) {
      names.add(layer.name());
    }
    return names;
  }

  /** [height, width, channels] of the model's one input, from its stored Keras configuration. */
  public static int[] inputShape(Path file) {
    Hdf5Archive archive;
    try {
      archive = new Hdf5Archive(file.toString());
    } catch (RuntimeException e) { // the HDF5 library's exceptions are unchecked
      throw new IllegalArgumentException(
          "Cannot import Keras model: not a readable HDF5 file (corrupt, truncated or another"
              + " format) ("
              + file
              + ")",
          e);
    }
    JsonNode config;
    try {
      config = new ObjectMapper().readTree(archive.readAttributeAsJson("model_config"));
    } catch (Exception e) { // IOException and Keras's checked configuration exceptions
      throw new IllegalArgumentException(
          "Cannot import Keras model: the HDF5 file has no readable model_config attribute (a"
              + " whole model saved by Keras is needed, not only its weights) ("
              + file
              + ")",
          e);
    } finally {
      archive.close();
    }
    for (JsonNode layer : config.path("config").path("layers")) {
      if ("InputLayer".equals(layer.path("class_name").asText())) {
        JsonNode shape = layer.path("config").path("batch_input_shape");
        if (shape.size() != 4 || !shape.get(1).isInt() || !shape.get(2).isInt()) {
          throw new IllegalArgumentException(
              "Cannot import Keras model: input shape "
                  + shape
                  + " is not [batch, height, width, channels] ("
                  + file
                  + ")");
        }
        return new int[] {shape.get(1).asInt(), shape.get(2).asInt(), shape.get(3).asInt()};
      }
    }
    throw new IllegalArgumentException(
        "Cannot import Keras model: it has no InputLayer (a functional model is needed) ("
            + file
            + ")");
  }
}
