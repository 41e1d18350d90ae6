package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.Nd4jCpu;

/** The oneDNN path must really run (no silent fallback) and agree with DL4J's built-in layers. */
class FastPathTest {

  private static final ImageSet DATA = TestData.pneumonia().train().subset(TestData.first(256));

  @Test
  void everyConvBatchNormAndPoolingLayerGetsAOneDnnHelperThatKeepsWorking() {
    assertThat(Nd4jCpu.Environment.builtWithOneDnn())
        .as("native library built with oneDNN")
        .isTrue();
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    assertThat(FastPath.active()).as(FastPath.describe()).isTrue();

    Trainer.fit(net, DATA, new TrainSettings(1, 64, 1e-3, 3), e -> {});

    List<String> helpers = new ArrayList<>();
    for (Layer layer : net.getLayers()) {
      if (layer instanceof ConvolutionLayer conv) {
        assertThat(conv.getHelper()).isInstanceOf(MKLDNNConvHelper.class);
        // ConvolutionLayer counts helper exceptions before falling back to its own loops
        assertThat(helperFailures(ConvolutionLayer.class, conv))
            .as("conv helper failures")
            .isZero();
        helpers.add("conv");
      } else if (layer instanceof BatchNormalization bn) {
        // training runs FastBatchNorm (4 minibatches), which hands inference to DL4J's oneDNN
        // helper
        assertThat(bn.getHelper()).isInstanceOf(FastBatchNorm.class);
        assertThat(((FastBatchNorm) bn.getHelper()).inference())
            .isInstanceOf(MKLDNNBatchNormHelper.class);
        assertThat(((FastBatchNorm) bn.getHelper()).trainingSteps()).isEqualTo(4);
        assertThat(helperFailures(BatchNormalization.class, bn))
            .as("batch-norm helper failures")
            .isZero();
        helpers.add("bn");
      } else if (layer instanceof SubsamplingLayer pool) {
        assertThat(pool.getHelper()).isInstanceOf(MKLDNNSubsamplingHelper.class);
        helpers.add("pool");
      }
    }
    assertThat(helpers).containsExactly("conv", "bn", "pool", "conv", "bn", "pool");
    // and libnd4j's small element-wise and reduction ops stay on one thread
    assertThat(Nd4j.getEnvironment().elementwiseThreshold()).isEqualTo(FastPath.SERIAL_BELOW);
    assertThat(Nd4j.getEnvironment().tadThreshold()).isEqualTo(FastPath.SERIAL_BELOW);
  }

  @Test
  void oneDnnLayersComputeWhatTheBuiltInLayersCompute() {
    NetworkSpec spec = ModelsTest.spec(TestData.pneumonia());
    MultiLayerNetwork fast = NetworkFactory.build(spec);
    MultiLayerNetwork reference = withBuiltInLayers(() -> NetworkFactory.build(spec));
    assertThat(reference.getLayer(0).getHelper()).isNull();
    assertThat(fast.params()).isEqualTo(reference.params());

    float[] expected = Predictor.predict(reference, DATA, 64);
    assertThat(Predictor.predict(fast, DATA, 64)).containsExactly(expected, within(1e-5f));

    TrainSettings settings = new TrainSettings(2, 32, 1e-3, 9);
    List<EpochStats> fastEpochs = Trainer.fit(fast, DATA, settings, e -> {});
    List<EpochStats> referenceEpochs =
        withBuiltInLayers(() -> Trainer.fit(reference, DATA, settings, e -> {}));
    for (int i = 0; i < fastEpochs.size(); i++) {
      // float summation order differs between the two kernels; the training trajectory must not
      assertThat(fastEpochs.get(i).meanLoss())
          .isCloseTo(referenceEpochs.get(i).meanLoss(), within(1e-3));
    }
    assertThat(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))
        .isEqualToIgnoringCase("CPU");
  }

  private static <T> T withBuiltInLayers(java.util.function.Supplier<T> body) {
    String previous = System.getProperty(FastPath.HELPERS_DISABLE);
    System.setProperty(FastPath.HELPERS_DISABLE, "true");
    try {
      return body.get();
    } finally {
      System.setProperty(FastPath.HELPERS_DISABLE, previous == null ? "false" : previous);
    }
  }

  @Test
  void fastBatchNormGivesTheGradientsOfDl4jsOwnHelper() {
    NetworkSpec spec = ModelsTest.spec(TestData.pneumonia());
    MultiLayerNetwork fast = NetworkFactory.build(spec);
    MultiLayerNetwork dl4j = NetworkFactory.build(spec);
    assertThat(FastPath.install(fast)).isEqualTo(2);
    assertThat(dl4j.getLayer(1).getHelper()).isInstanceOf(MKLDNNBatchNormHelper.class);

    DataSet batch = Batches.dataSet(DATA, Batches.identity(DATA.size()), 0, 64);
    float[] expected = gradient(dl4j, batch);
    float[] actual = gradient(fast, batch);
    assertThat(((FastBatchNorm) fast.getLayer(1).getHelper()).trainingSteps()).isEqualTo(1);
    // every gradient, including the running mean/variance updates the layers derive from the batch
    // statistics
    float scale = 0;
    for (float g : expected) {
      scale = Math.max(scale, Math.abs(g));
    }
    assertThat(scale).isPositive();
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("gradient %d", i).isCloseTo(expected[i], within(2e-5f * scale));
    }
  }

  @Test
  void fastBatchNormCanBeSwitchedOff() {
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    System.setProperty(FastPath.FAST_BATCH_NORM_PROPERTY, "false");
    try {
      assertThat(FastPath.install(net)).isZero();
    } finally {
      System.clearProperty(FastPath.FAST_BATCH_NORM_PROPERTY);
    }
    assertThat(net.getLayer(1).getHelper()).isInstanceOf(MKLDNNBatchNormHelper.class);
    assertThat(FastPath.install(net)).isEqualTo(2);
    assertThat(FastPath.install(net)).as("idempotent").isEqualTo(2);
    assertThat(((FastBatchNorm) net.getLayer(1).getHelper()).inference())
        .isInstanceOf(MKLDNNBatchNormHelper.class);
  }

  private static float[] gradient(MultiLayerNetwork net, DataSet batch) {
    net.setInput(batch.getFeatures());
    net.setLabels(batch.getLabels());
    net.computeGradientAndScore();
    return net.gradient().gradient().dup().toFloatVector();
  }

  private static int helperFailures(Class<?> type, Layer layer) {
    try {
      Field field = type.getDeclaredField("helperCountFail");
      field.setAccessible(true);
      return field.getInt(layer);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "Cannot read " + type.getSimpleName() + ".helperCountFail", e);
    }
  }
}
