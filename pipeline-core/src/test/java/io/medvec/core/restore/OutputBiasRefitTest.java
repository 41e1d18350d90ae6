package io.medvec.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.model.ModelsTest;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.Predictor;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class OutputBiasRefitTest {

  @Test
  void shiftMakesTheMeanPredictionTheSmoothedClassFrequencies() {
    Random random = new Random(3);
    int rows = 200;
    int classes = 4;
    float[] probs = new float[rows * classes];
    for (int r = 0; r < rows; r++) {
      double[] w = {
        5 * random.nextDouble(), random.nextDouble(), random.nextDouble(), 0.1 * random.nextDouble()
      };
      double sum = w[0] + w[1] + w[2] + w[3];
      for (int c = 0; c < classes; c++) {
        probs[r * classes + c] = (float) (w[c] / sum);
      }
    }
    long[] counts = {20, 60, 70, 50};
    OutputBiasRefit.Fit fit = OutputBiasRefit.fit(probs, counts, 2.0);

    assertThat(fit.target())
        .containsExactly(
            new double[] {22 / 208.0, 62 / 208.0, 72 / 208.0, 52 / 208.0}, within(1e-12));
    assertThat(fit.before()[0]).isGreaterThan(0.6);
    double[] after = meanAfterShift(probs, classes, fit.shift());
    assertThat(after).containsExactly(fit.target(), within(1e-6));
    assertThat(fit.shift()[0] + fit.shift()[1] + fit.shift()[2] + fit.shift()[3])
        .isCloseTo(0, within(1e-9));
    assertThat(fit.shift()[0]).isNegative();
    assertThat(fit.shift()[3]).isPositive();
  }

  @Test
  void calibratedPredictionsAreLeftAlone() {
    float[] probs = new float[30 * 3];
    for (int r = 0; r < 30; r++) {
      probs[r * 3] = 0.2f;
      probs[r * 3 + 1] = 0.3f;
      probs[r * 3 + 2] = 0.5f;
    }
    OutputBiasRefit.Fit fit = OutputBiasRefit.fit(probs, new long[] {6, 9, 15}, 1e-9);
    assertThat(fit.shift()).containsExactly(new double[3], within(1e-6));
    assertThat(fit.iterations()).isLessThanOrEqualTo(1);
  }

  @Test
  void aClassAbsentFromThePoolGetsAFiniteBias() {
    float[] probs = {0.5f, 0.5f, 1e-7f, 0.9f, 0.1f, 1e-6f, 0.2f, 0.8f, 1e-8f};
    OutputBiasRefit.Fit fit = OutputBiasRefit.fit(probs, new long[] {2, 1, 0}, 0.5);
    assertThat(java.util.Arrays.stream(fit.shift()).allMatch(Double::isFinite)).isTrue();
    assertThat(meanAfterShift(probs, 3, fit.shift())[2]).isCloseTo(0.5 / 4.5, within(1e-6));
  }

  @Test
  void nonFiniteProbabilitiesAreRefusedAtOnceNamingTheExample() {
    float[] probs = {0.5f, 0.5f, Float.NaN, Float.NaN};
    assertThatThrownBy(() -> OutputBiasRefit.fit(probs, new long[] {1, 1}, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN")
        .hasMessageContaining("example 1");
  }

  @Test
  void refitOnANetworkChangesOnlyTheOutputBiasAndRecalibratesIt() {
    ImageSet pool = TestData.pneumonia().train().subset(TestData.first(300));
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    String key = OutputBiasRefit.biasKey(net);
    INDArray skewed = net.getParam(key).dup();
    skewed.putScalar(0, skewed.getDouble(0) + 4.0);
    net.setParam(key, skewed);
    MultiLayerNetwork before = net.clone();
    double lossBefore = ModelsTest.logLoss(net, pool);

    OutputBiasRefit.Fit fit = OutputBiasRefit.refit(net, pool, 1.0, 64);

    for (Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
      if (!e.getKey().equals(key)) {
        assertThat(net.getParam(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
    assertThat(net.getParam(key)).isNotEqualTo(before.getParam(key));
    assertThat(fit.before()[0]).isGreaterThan(0.9);
    float[] probs = Predictor.predict(net, pool, 64);
    double[] mean = meanAfterShift(probs, 2, new double[2]);
    assertThat(mean).containsExactly(fit.target(), within(1e-4));
    long[] counts = pool.labelCounts();
    assertThat(fit.target()[1]).isCloseTo((counts[1] + 1.0) / (pool.size() + 2.0), within(1e-12));
    assertThat(ModelsTest.logLoss(net, pool)).isLessThan(lossBefore - 0.5);
  }

  @Test
  void refusesWhatItCannotFit() {
    ImageSet pool = TestData.pneumonia().train().subset(TestData.first(20));
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    assertThatThrownBy(() -> OutputBiasRefit.refit(net, pool, 0.0, 8))
        .hasMessageContaining("smoothing");
    assertThatThrownBy(() -> OutputBiasRefit.refit(net, pool.subset(new int[0]), 1.0, 8))
        .hasMessageContaining("no examples");

    MultiLayerNetwork sigmoid = ModelsTest.sigmoidOutputNetwork();
    assertThatThrownBy(() -> OutputBiasRefit.biasKey(sigmoid))
        .hasMessageContaining("layer 1")
        .hasMessageContaining("not a softmax output layer");
  }

  private static double[] meanAfterShift(float[] probs, int classes, double[] shift) {
    int rows = probs.length / classes;
    double[] mean = new double[classes];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      double[] w = new double[classes];
      for (int c = 0; c < classes; c++) {
        w[c] = probs[r * classes + c] * Math.exp(shift[c]);
        sum += w[c];
      }
      for (int c = 0; c < classes; c++) {
        mean[c] += w[c] / sum / rows;
      }
    }
    return mean;
  }
}
