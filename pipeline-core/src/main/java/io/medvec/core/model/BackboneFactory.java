package io.medvec.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the residual ({@link ResNetSpec}) and depthwise-separable ({@link MobileNetSpec}) networks
 * as initialised, seeded DL4J {@link ComputationGraph}s: NCHW input {@value #INPUT} in [0, 1],
 * softmax output {@value #OUTPUT}. Every convolution and pooling layer uses {@link
 * ConvolutionMode#Truncate} with explicit symmetric padding (k / 2 for a k×k kernel), so the output
 * size is {@code floor((n + 2p − k) / s) + 1} — PyTorch's rule, which the exported twin relies on.
 * Batch norm keeps variance (not log10 std), as in {@link NetworkFactory}. Weights are He-normal
 * (std √(2 / fan-in)); a depthwise 3×3 convolution's fan-in is 9, whereas DL4J's initialiser counts
 * 9 · channels and would shrink the activations by √channels per block.
 *
 * <p>Vertex names: {@code stem_conv}, {@code stem_bn}, {@code stem_relu}, {@code stem_pool}; ResNet
 * blocks {@code sS_bB_conv1}, {@code _bn1}, {@code _relu1}, {@code _conv2}, {@code _bn2}, {@code
 * _proj}, {@code _proj_bn}, {@code _add}, {@code _out} (S and B from 1); MobileNet blocks {@code
 * bB_dw}, {@code bB_dw_bn}, {@code bB_dw_relu}, {@code bB_pw}, {@code bB_pw_bn}, {@code
 * bB_pw_relu}; then {@code pool} and {@code output}.
 */
public final class BackboneFactory {

  /** The graph's input vertex. */
  public static final String INPUT = "input";

  /** The graph's output layer. */
  public static final String OUTPUT = "output";

  private static final String[] STEM = {"stem_conv", "stem_bn", "stem_relu"};

  private BackboneFactory() {}

  /** A new, initialised residual network with seeded random weights. */
  public static Network build(ResNetSpec spec) {
    FastPath.enable();
    ComputationGraphConfiguration.GraphBuilder g =
        start(spec.seed(), spec.learningRate(), spec.height(), spec.width(), spec.channels());
    String x;
    if (spec.imagenetStem()) {
      x = convBnRelu(g, STEM, INPUT, 7, 2, spec.stemWidth());
      g.addLayer(
          "stem_pool",
          new SubsamplingLayer.Builder(PoolingType.MAX)
              .kernelSize(3, 3)
              .stride(2, 2)
              .padding(1, 1)
              .build(),
          x);
      x = "stem_pool";
    } else {
      x = convBnRelu(g, STEM, INPUT, 3, 1, spec.stemWidth());
    }
    int in = spec.stemWidth();
    for (int s = 0; s < spec.blocks().size(); s++) {
      int out = spec.stageWidth(s);
      for (int b = 0; b < spec.blocks().get(s); b++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        x = basicBlock(g, "s" + (s + 1) + "_b" + (b + 1), x, in, out, stride);
        in = out;
      }
    }
    return finish(g, x, spec.numClasses());
  }

  /** A new, initialised MobileNetV1 with seeded random weights. */
  public static Network build(MobileNetSpec spec) {
    FastPath.enable();
    ComputationGraphConfiguration.GraphBuilder g =
        start(spec.seed(), spec.learningRate(), spec.height(), spec.width(), spec.channels());
    String x = convBnRelu(g, STEM, INPUT, 3, spec.stemStride(), spec.stemWidth());
    int in = spec.stemWidth();
    for (int i = 0; i < spec.blocks(); i++) {
      String b = "b" + (i + 1);
      int stride = spec.blockStride(i);
      g.addLayer(
          b + "_dw",
          new DepthwiseConvolution2D.Builder(3, 3)
              .stride(stride, stride)
              .padding(1, 1)
              .depthMultiplier(1)
              // He normal with the depthwise fan-in, 3·3: DL4J's own counts the channels too
              .weightInit(new NormalDistribution(0, Math.sqrt(2.0 / 9)))
              .nOut(in)
              .hasBias(false)
              .activation(Activation.IDENTITY)
              .build(),
          x);
      g.addLayer(b + "_dw_bn", bn(), b + "_dw");
      g.addLayer(b + "_dw_relu", relu(), b + "_dw_bn");
      x =
          convBnRelu(
              g,
              names(b + "_pw", b + "_pw_bn", b + "_pw_relu"),
              b + "_dw_relu",
              1,
              1,
              spec.blockWidth(i));
      in = spec.blockWidth(i);
    }
    return finish(g, x, spec.numClasses());
  }

  private static ComputationGraphConfiguration.GraphBuilder start(
      long seed, double learningRate, int height, int width, int channels) {
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(learningRate))
        .weightInit(WeightInit.RELU)
        .convolutionMode(ConvolutionMode.Truncate)
        .graphBuilder()
        .addInputs(INPUT)
        .setInputTypes(InputType.convolutional(height, width, channels));
  }

  private static Network finish(
      ComputationGraphConfiguration.GraphBuilder g, String x, int numClasses) {
    g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
    g.addLayer(
        OUTPUT,
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nOut(numClasses)
            .activation(Activation.SOFTMAX)
            .weightInit(WeightInit.XAVIER)
            .build(),
        "pool");
    g.setOutputs(OUTPUT);
    ComputationGraph graph = new ComputationGraph(g.build());
    graph.init();
    return Network.of(graph);
  }

  /** {@code x} → basic block → the block's output vertex. */
  private static String basicBlock(
      ComputationGraphConfiguration.GraphBuilder g,
      String name,
      String x,
      int in,
      int out,
      int stride) {
    String y =
        convBnRelu(g, names(name + "_conv1", name + "_bn1", name + "_relu1"), x, 3, stride, out);
    g.addLayer(name + "_conv2", conv(3, 1, out), y);
    g.addLayer(name + "_bn2", bn(), name + "_conv2");
    String shortcut = x;
    if (stride != 1 || in != out) {
      g.addLayer(name + "_proj", conv(1, stride, out), x);
      g.addLayer(name + "_proj_bn", bn(), name + "_proj");
      shortcut = name + "_proj_bn";
    }
    g.addVertex(
        name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_bn2", shortcut);
    g.addLayer(name + "_out", relu(), name + "_add");
    return name + "_out";
  }

  /** conv k×k stride s → BN → ReLU as vertices {@code conv}, {@code bn}, {@code relu}. */
  private static String convBnRelu(
      ComputationGraphConfiguration.GraphBuilder g,
      String[] names,
      String x,
      int kernel,
      int stride,
      int filters) {
    g.addLayer(names[0], conv(kernel, stride, filters), x);
    g.addLayer(names[1], bn(), names[0]);
    g.addLayer(names[2], relu(), names[1]);
    return names[2];
  }

  private static String[] names(String conv, String bn, String relu) {
    return new String[] {conv, bn, relu};
  }

  private static ConvolutionLayer conv(int kernel, int stride, int filters) {
    return new ConvolutionLayer.Builder(kernel, kernel)
        .stride(stride, stride)
        .padding(kernel / 2, kernel / 2)
        .nOut(filters)
        .hasBias(false)
        .activation(Activation.IDENTITY)
        .build();
  }

  private static BatchNormalization bn() {
    // variance (not log10 std) so the running statistics are plain, mixable moments
    return new BatchNormalization.Builder().useLogStd(false).build();
  }

  private static ActivationLayer relu() {
    return new ActivationLayer.Builder().activation(Activation.RELU).build();
  }
}
