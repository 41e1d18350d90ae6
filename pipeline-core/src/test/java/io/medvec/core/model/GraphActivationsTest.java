package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.TestData;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Network#activationsUpTo} on a graph stops its forward pass early, and the input it returns
 * for every batch-norm layer and the output layer is the full forward pass's, bit for bit: on the
 * built-in ResNet and MobileNet and on the imported Keras ResNet-8.
 */
class GraphActivationsTest {

  @Test
  void everyBatchNormInputIsTheFullForwardPassesAndSomePassesStopEarly() {
    Network resnet =
        NetworkFactory.build(new ResNetSpec(3, 32, 32, 3, List.of(2, 2), 0.125, 1e-3, 7));
    Network mobilenet = NetworkFactory.build(new MobileNetSpec(3, 64, 64, 4, 0.25, 4, 1e-3, 7));
    Network keras =
        KerasImport.load(TestData.sharedModels().resolve("resnet8-cifar10.h5"), PixelScale.BYTE)
            .network();
    for (Network net : List.of(resnet, mobilenet, keras)) {
      int side = net == mobilenet ? 64 : 32;
      INDArray x =
          net.input(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, side, side));
      Map<String, INDArray> full = net.graph().feedForward(x, false);
      int checked = 0;
      int earlier = 0;
      long computed = 0;
      for (Network.LayerRef layer : net.layers()) {
        if (!(layer.conf() instanceof BatchNormalization)
            && !layer.name().equals(net.outputLayer().name())) {
          continue;
        }
        Map<String, INDArray> partial = net.activationsUpTo(layer.name(), x);
        String input = net.inputNameOf(layer.name());
        assertThat(partial.get(input)).as(net + " " + layer.name()).isEqualTo(full.get(input));
        checked++;
        computed += partial.size();
        if (partial.size() < full.size()) {
          earlier++;
        }
      }
      System.out.printf(
          "%s: %d of %d passes stopped early, %.0f %% of the %d vertices computed on average%n",
          net, earlier, checked, 100.0 * computed / ((double) checked * full.size()), full.size());
      assertThat(checked).as("batch-norm layers checked").isGreaterThan(3);
      assertThat(earlier).as("passes that stopped before the end").isGreaterThan(checked / 2);
    }
  }
}
