package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The residual and MobileNet graphs: layout, sizes, parameter counts, refusals, fast path. */
class BackboneFactoryTest {

  static ResNetSpec resnet(int size, List<Integer> blocks, double width) {
    return new ResNetSpec(1, size, size, 3, blocks, width, 1e-3, 7);
  }

  static MobileNetSpec mobilenet(int size, double alpha, int blocks) {
    return new MobileNetSpec(3, size, size, 4, alpha, blocks, 1e-3, 7);
  }

  /** Parameters (BN running mean and variance included) by the ResNet formula. */
  static long resnetParams(ResNetSpec s) {
    int in = s.stemWidth();
    int k = s.imagenetStem() ? 7 : 3;
    long n = (long) k * k * s.channels() * in + 4L * in;
    for (int stage = 0; stage < s.blocks().size(); stage++) {
      int out = s.stageWidth(stage);
      for (int b = 0; b < s.blocks().get(stage); b++) {
        boolean project = (stage > 0 && b == 0) || in != out;
        n += 9L * in * out + 4L * out + 9L * out * out + 4L * out;
        if (project) {
          n += (long) in * out + 4L * out;
        }
        in = out;
      }
    }
    return n + (long) in * s.numClasses() + s.numClasses();
  }

  static long mobilenetParams(MobileNetSpec s) {
    int in = s.stemWidth();
    long n = 9L * s.channels() * in + 4L * in;
    for (int i = 0; i < s.blocks(); i++) {
      int out = s.blockWidth(i);
      n += 9L * in + 4L * in + (long) in * out + 4L * out;
      in = out;
    }
    return n + (long) in * s.numClasses() + s.numClasses();
  }

  private static long[] activationShape(Network net, String vertex, INDArray x) {
    return net.activationsUpTo(vertex, x).get(vertex).shape();
  }

  @Test
  void resnet18LayoutAtSmallAndImagenetResolutions() {
    ResNetSpec small = resnet(32, ResNetSpec.RESNET18_BLOCKS, 0.25);
    Network net = NetworkFactory.build(small);
    assertThat(net.isGraph()).isTrue();
    assertThat(net.numParams()).isEqualTo(resnetParams(small));
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 32, 32);
    // 3x3 stride-1 stem: stage 1 at full resolution, then 16, 8, 4
    assertThat(activationShape(net, "s1_b2_out", x)).containsExactly(2, 16, 32, 32);
    assertThat(activationShape(net, "s2_b1_out", x)).containsExactly(2, 32, 16, 16);
    assertThat(activationShape(net, "s4_b2_out", x)).containsExactly(2, 128, 4, 4);
    INDArray probs = net.output(x);
    assertThat(probs.shape()).containsExactly(2, 3);
    assertThat(probs.sum(1).getDouble(0))
        .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    // ResNet-18 at width 1 has ResNet-18's 11.2 M weights (+ BN statistics)
    ResNetSpec full = new ResNetSpec(3, 224, 224, 1000, ResNetSpec.RESNET18_BLOCKS, 1, 1e-3, 1);
    assertThat(resnetParams(full)).isBetween(11_600_000L, 11_800_000L);

    ResNetSpec large = new ResNetSpec(1, 112, 112, 2, List.of(1, 1), 0.125, 1e-3, 3);
    Network big = NetworkFactory.build(large);
    assertThat(large.imagenetStem()).isTrue();
    assertThat(big.numParams()).isEqualTo(resnetParams(large));
    INDArray y = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, 112, 112);
    // 7x7 stride 2 then 3x3 stride-2 max pool: 112 -> 56 -> 28
    assertThat(activationShape(big, "stem_relu", y)).containsExactly(1, 8, 56, 56);
    assertThat(activationShape(big, "s1_b1_out", y)).containsExactly(1, 8, 28, 28);
    assertThat(activationShape(big, "s2_b1_out", y)).containsExactly(1, 16, 14, 14);
  }

  @Test
  void mobilenetLayoutWithAndWithoutTheStridedStem() {
    MobileNetSpec vww = mobilenet(96, 0.25, 13);
    Network net = NetworkFactory.build(vww);
    assertThat(vww.stemStride()).isEqualTo(2);
    assertThat(net.numParams()).isEqualTo(mobilenetParams(vww));
    INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 96, 96);
    assertThat(activationShape(net, "stem_relu", x)).containsExactly(1, 8, 48, 48);
    assertThat(activationShape(net, "b13_pw_relu", x)).containsExactly(1, 256, 3, 3);
    assertThat(net.output(x).shape()).containsExactly(1, 4);
    // MobileNetV1 at alpha 1 has the paper's 3.2 M convolution weights (+ BN, + a 1000-class head)
    MobileNetSpec paper = new MobileNetSpec(3, 224, 224, 1000, 1, 13, 1e-3, 1);
    assertThat(mobilenetParams(paper)).isBetween(4_230_000L, 4_260_000L);

    MobileNetSpec small = mobilenet(28, 0.5, 6);
    assertThat(small.stemStride()).isEqualTo(1);
    Network net28 = NetworkFactory.build(small);
    assertThat(net28.numParams()).isEqualTo(mobilenetParams(small));
    INDArray y = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 28, 28);
    assertThat(activationShape(net28, "b6_pw_relu", y)).containsExactly(1, 256, 4, 4);
    assertThat(net28.layers().stream().map(Network.LayerRef::name))
        .contains("b6_dw", "b6_pw_bn")
        .doesNotContain("b7_dw");
  }

  @Test
  void specsRefuseBadValuesNamingTheField() {
    assertThatThrownBy(() -> resnet(32, List.of(2, 0), 0.25))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot build resnet network spec: invalid model.resnet.blocks (each >= 1) ([2, 0])");
    assertThatThrownBy(() -> resnet(32, List.of(2), -1))
        .hasMessage("Cannot build resnet network spec: invalid model.resnet.width (> 0) (-1.0)");
    assertThatThrownBy(() -> mobilenet(96, 0.25, 14))
        .hasMessage(
            "Cannot build mobilenet network spec: invalid model.mobilenet.blocks (1 to 13) (14)");
    assertThatThrownBy(() -> mobilenet(96, 0, 3))
        .hasMessage(
            "Cannot build mobilenet network spec: invalid model.mobilenet.alpha (> 0) (0.0)");
    assertThatThrownBy(() -> mobilenet(4, 1, 3)).hasMessageContaining("invalid height (>= 8) (4)");
  }

  @Test
  void batchNormLayersComeInTopologicalOrderAndTheFingerprintSeesTheScale() {
    Network net = NetworkFactory.build(resnet(16, List.of(1, 1), 0.125));
    List<String> bn =
        net.layers().stream()
            .filter(l -> l.conf() instanceof BatchNormalization)
            .map(Network.LayerRef::name)
            .toList();
    assertThat(bn)
        .containsExactlyInAnyOrder(
            "stem_bn", "s1_b1_bn1", "s1_b1_bn2", "s2_b1_bn1", "s2_b1_bn2", "s2_b1_proj_bn");
    // every layer after the layers it reads: the add's inputs (bn2, proj_bn) before the block out
    List<String> order = net.layers().stream().map(Network.LayerRef::name).toList();
    assertThat(order.indexOf("s2_b1_conv1")).isLessThan(order.indexOf("s2_b1_bn1"));
    assertThat(order.indexOf("s2_b1_proj")).isLessThan(order.indexOf("s2_b1_proj_bn"));
    assertThat(order.indexOf("s1_b1_bn2")).isLessThan(order.indexOf("s2_b1_conv1"));
    assertThat(order.indexOf("s1_b1_bn2")).isLessThan(order.indexOf("s2_b1_proj"));
    assertThat(order.get(0)).isEqualTo("stem_conv");
    assertThat(order.get(order.size() - 1)).isEqualTo(BackboneFactory.OUTPUT);
    assertThat(net.paramTable()).containsKeys("s2_b1_proj_bn_mean", "s2_b1_proj_bn_var");

    String fingerprint = Fingerprint.of(net);
    assertThat(Fingerprint.of(NetworkFactory.build(resnet(16, List.of(1, 1), 0.125))))
        .as("same seed, same base")
        .isEqualTo(fingerprint);
    assertThat(Fingerprint.of(net.withInputScale(PixelScale.BYTE)))
        .as("same weights fed [0, 255]")
        .isNotEqualTo(fingerprint);
    assertThat(Fingerprint.of(NetworkFactory.build(resnet(16, List.of(1, 2), 0.125))))
        .isNotEqualTo(fingerprint);
  }

  @Test
  void graphConvolutionAndBatchNormLayersTakeTheOneDnnPath() {
    ImageSet data = TestData.pneumonia().train().subset(TestData.first(64));
    for (Network net :
        List.of(
            NetworkFactory.build(new ResNetSpec(1, 28, 28, 2, List.of(1, 1), 0.125, 1e-3, 7)),
            NetworkFactory.build(new MobileNetSpec(1, 28, 28, 2, 0.25, 3, 1e-3, 7)))) {
      assertThat(FastPath.active()).as(FastPath.describe()).isTrue();
      Trainer.fit(net, data, new TrainSettings(1, 32, 1e-3, 3), e -> {});
      ComputationGraph graph = net.graph();
      List<String> seen = new ArrayList<>();
      for (Layer layer : graph.getLayers()) {
        var conf = layer.conf().getLayer();
        if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv
            && conf.getClass() == ConvolutionLayer.class) {
          assertThat(conv.getHelper()).as(conf.getLayerName()).isInstanceOf(MKLDNNConvHelper.class);
          assertThat(helperFailures(conv)).as(conf.getLayerName() + " helper failures").isZero();
          seen.add("conv");
        } else if (conf instanceof DepthwiseConvolution2D) {
          // M2.1's depthwise layer has no helper: it calls libnd4j's depthwise_conv2d op itself
          assertThat(
                  ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) layer).getHelper())
              .isNull();
          seen.add("depthwise");
        } else if (layer
            instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization b) {
          assertThat(b.getHelper()).as(conf.getLayerName()).isInstanceOf(FastBatchNorm.class);
          assertThat(((FastBatchNorm) b.getHelper()).inference())
              .isInstanceOf(MKLDNNBatchNormHelper.class);
          assertThat(((FastBatchNorm) b.getHelper()).trainingSteps())
              .as(conf.getLayerName())
              .isEqualTo(2);
          seen.add("bn");
        }
      }
      assertThat(seen).contains("conv", "bn");
      assertThat(FastPath.install(net)).isEqualTo(seen.stream().filter("bn"::equals).count());
    }
  }

  private static int helperFailures(Layer layer) {
    try {
      Field field =
          org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getDeclaredField(
              "helperCountFail");
      field.setAccessible(true);
      return field.getInt(layer);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Cannot read ConvolutionLayer.helperCountFail", e);
    }
  }
}
