package io.medvec.core.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds initialised DL4J networks: the CNN of a {@link NetworkSpec} as a multi-layer network, the
 * residual and MobileNet specs as graphs ({@link BackboneFactory}).
 */
public final class NetworkFactory {

  private NetworkFactory() {}

  /** Returns a new, initialised network with seeded random weights. */
  public static MultiLayerNetwork build(NetworkSpec spec) {
    FastPath.enable();
    NeuralNetConfiguration.ListBuilder layers =
        new NeuralNetConfiguration.Builder()
            .seed(spec.seed())
            .dataType(DataType.FLOAT)
            .updater(new Adam(spec.learningRate()))
            .weightInit(WeightInit.RELU)
            .convolutionMode(ConvolutionMode.Same)
            .list();
    for (int filters : spec.convFilters()) {
      layers.layer(
          new ConvolutionLayer.Builder(spec.kernel(), spec.kernel())
              .nOut(filters)
              .activation(spec.batchNorm() ? Activation.IDENTITY : Activation.RELU)
              .build());
      if (spec.batchNorm()) {
        // variance (not log10 std) so the running statistics are plain, mixable moments
        layers.layer(new BatchNormalization.Builder().useLogStd(false).build());
        layers.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
      }
      layers.layer(
          new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
    }
    layers.layer(
        new DenseLayer.Builder().nOut(spec.denseUnits()).activation(Activation.RELU).build());
    layers.layer(
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nOut(spec.numClasses())
            .activation(Activation.SOFTMAX)
            .weightInit(WeightInit.XAVIER)
            .build());
    MultiLayerConfiguration conf =
        layers
            .setInputType(InputType.convolutional(spec.height(), spec.width(), spec.channels()))
            .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  /** A new, initialised residual network ({@link BackboneFactory#build(ResNetSpec)}). */
  public static Network build(ResNetSpec spec) {
    return BackboneFactory.build(spec);
  }

  /** A new, initialised MobileNetV1 ({@link BackboneFactory#build(MobileNetSpec)}). */
  public static Network build(MobileNetSpec spec) {
    return BackboneFactory.build(spec);
  }
}
