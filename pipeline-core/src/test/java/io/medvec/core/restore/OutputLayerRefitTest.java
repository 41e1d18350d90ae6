package io.medvec.core.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.model.ModelsTest;
import io.medvec.core.model.NetworkFactory;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class OutputLayerRefitTest {

  /** 40 examples, 6 features, 3 classes: labels from a planted linear rule plus noise. */
  private static final int N = 40;

  private static final int D = 6;
  private static final int C = 3;

  private static float[] features() {
    Random random = new Random(3);
    float[] x = new float[N * D];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.max(0, random.nextGaussian() + 0.3); // ReLU-like, with exact zeros
    }
    return x;
  }

  private static int[] labels(float[] x) {
    Random random = new Random(4);
    int[] y = new int[N];
    for (int r = 0; r < N; r++) {
      double a = x[r * D] - x[r * D + 1] + 0.5 * random.nextGaussian();
      y[r] = a > 0.4 ? 0 : a < -0.4 ? 1 : 2;
    }
    return y;
  }

  private static double[] merged(double scale) {
    Random random = new Random(5);
    double[] w = new double[D * C + C];
    for (int i = 0; i < w.length; i++) {
      w[i] = scale * random.nextGaussian();
    }
    return w;
  }

  private static double[] weights(double[] theta) {
    return java.util.Arrays.copyOf(theta, D * C);
  }

  private static double[] bias(double[] theta) {
    return java.util.Arrays.copyOfRange(theta, D * C, D * C + C);
  }

  @Test
  void theFitIsTheStationaryPointOfThePenalisedLoss() {
    float[] x = features();
    int[] y = labels(x);
    double[] theta0 = merged(0.5);
    double mu = 0.1;
    OutputLayerRefit.Fit fit = OutputLayerRefit.fit(x, y, weights(theta0), bias(theta0), mu);

    // gradient of (1/N) Σ CE + μ/2 ‖θ − θ0‖², recomputed here independently, is zero
    double[] gradW = new double[D * C];
    double[] gradB = new double[C];
    for (int r = 0; r < N; r++) {
      double[] p = softmax(x, r, fit.weights(), fit.bias());
      for (int c = 0; c < C; c++) {
        double g = (p[c] - (y[r] == c ? 1 : 0)) / N;
        gradB[c] += g;
        for (int d = 0; d < D; d++) {
          gradW[d * C + c] += x[r * D + d] * g;
        }
      }
    }
    for (int k = 0; k < D * C; k++) {
      assertThat(gradW[k] + mu * (fit.weights()[k] - theta0[k]))
          .as("W " + k)
          .isCloseTo(0, within(1e-8));
    }
    for (int c = 0; c < C; c++) {
      assertThat(gradB[c] + mu * (fit.bias()[c] - theta0[D * C + c]))
          .as("b " + c)
          .isCloseTo(0, within(1e-8));
    }
    assertThat(fit.lossAfter()).isLessThan(fit.lossBefore());
    assertThat(fit.iterations()).isBetween(1, 30);
  }

  @Test
  void lbfgsReachesNewtonsMinimum() {
    float[] x = features();
    int[] y = labels(x);
    double[] theta0 = merged(0.5);
    for (double mu : new double[] {1.0, 0.1, 0.01}) {
      OutputLayerRefit.Fit newton =
          OutputLayerRefit.fit(x, y, weights(theta0), bias(theta0), mu, false);
      OutputLayerRefit.Fit lbfgs =
          OutputLayerRefit.fit(x, y, weights(theta0), bias(theta0), mu, true);
      for (int k = 0; k < D * C; k++) {
        assertThat(lbfgs.weights()[k]).as("W " + k).isCloseTo(newton.weights()[k], within(1e-6));
      }
      for (int c = 0; c < C; c++) {
        assertThat(lbfgs.bias()[c]).as("b " + c).isCloseTo(newton.bias()[c], within(1e-6));
      }
      assertThat(lbfgs.lossAfter()).isCloseTo(newton.lossAfter(), within(1e-9));
    }
  }

  @Test
  void aHeadAboveTheNewtonCapIsFittedByLbfgs() {
    int n = 300;
    int d = 512;
    int classes = 9; // (512 + 1) x 9 = 4 617 parameters: more than Newton's 2 048
    assertThat((d + 1) * classes).isGreaterThan(OutputLayerRefit.MAX_PARAMETERS);
    Random random = new Random(6);
    float[] x = new float[n * d];
    int[] y = new int[n];
    for (int r = 0; r < n; r++) {
      y[r] = r % classes;
      for (int k = 0; k < d; k++) {
        double signal = k % classes == y[r] ? 0.8 : 0;
        x[r * d + k] = (float) Math.max(0, random.nextGaussian() * 0.5 + signal);
      }
    }
    double[] w0 = new double[d * classes];
    double[] b0 = new double[classes];
    for (int i = 0; i < w0.length; i++) {
      w0[i] = 0.01 * random.nextGaussian();
    }
    double mu = 0.01;
    OutputLayerRefit.Fit fit = OutputLayerRefit.fit(x, y, w0, b0, mu);
    assertThat(fit.lossAfter()).isLessThan(0.5 * fit.lossBefore());
    // stationary: the bias gradient (1/N) Σ (p − onehot) + μ(b − b0), recomputed here, vanishes
    double[] gradB = new double[classes];
    for (int r = 0; r < n; r++) {
      double[] z = new double[classes];
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        z[c] = fit.bias()[c];
        for (int k = 0; k < d; k++) {
          z[c] += x[r * d + k] * fit.weights()[k * classes + c];
        }
        max = Math.max(max, z[c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (int c = 0; c < classes; c++) {
        gradB[c] += (z[c] / sum - (y[r] == c ? 1 : 0)) / n;
      }
    }
    for (int c = 0; c < classes; c++) {
      assertThat(gradB[c] + mu * (fit.bias()[c] - b0[c])).as("b " + c).isCloseTo(0, within(1e-6));
    }
  }

  @Test
  void thePullSetsHowFarTheLayerMovesFromTheMergedOne() {
    float[] x = features();
    int[] y = labels(x);
    double[] theta0 = merged(0.5);
    double[] distance = new double[3];
    double[] loss = new double[3];
    double[] pulls = {100.0, 1.0, 0.01};
    for (int i = 0; i < pulls.length; i++) {
      OutputLayerRefit.Fit fit =
          OutputLayerRefit.fit(x, y, weights(theta0), bias(theta0), pulls[i]);
      for (int k = 0; k < D * C; k++) {
        distance[i] += Math.pow(fit.weights()[k] - theta0[k], 2);
      }
      loss[i] = fit.lossAfter();
    }
    // a weaker pull moves further and fits the pool better; a strong one gives the merged layer
    // back
    assertThat(distance[0]).isLessThan(distance[1]);
    assertThat(distance[1]).isLessThan(distance[2]);
    assertThat(loss[0]).isGreaterThan(loss[1]);
    assertThat(loss[1]).isGreaterThan(loss[2]);
    assertThat(Math.sqrt(distance[0])).isLessThan(0.02);
  }

  @Test
  void largeActivationsStillConverge() {
    // a merge at a large λ can give activations in the hundreds: saturated softmax, huge objective
    float[] x = features();
    for (int i = 0; i < x.length; i++) {
      x[i] *= 500;
    }
    int[] y = labels(features());
    double[] theta0 = merged(0.5);
    OutputLayerRefit.Fit fit = OutputLayerRefit.fit(x, y, weights(theta0), bias(theta0), 0.1);
    assertThat(fit.lossAfter()).isLessThan(fit.lossBefore()).isFinite();
  }

  @Test
  void refitOnANetworkChangesOnlyTheOutputLayerAndLowersThePoolLoss() {
    ImageSet pool = TestData.pneumonia().train().subset(TestData.first(200));
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    int last = net.getnLayers() - 1;
    MultiLayerNetwork before = net.clone();
    double lossBefore = ModelsTest.logLoss(net, pool);

    OutputLayerRefit.Fit fit = OutputLayerRefit.refit(net, pool, 0.1, 64);

    for (Map.Entry<String, INDArray> e : before.paramTable().entrySet()) {
      if (e.getKey().startsWith(last + "_")) {
        assertThat(net.getParam(e.getKey())).as(e.getKey()).isNotEqualTo(e.getValue());
      } else {
        assertThat(net.getParam(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
    // the network's own predictions give the log-loss the fit reports (same features, float
    // weights)
    assertThat(fit.lossBefore()).isCloseTo(lossBefore, within(1e-4));
    assertThat(ModelsTest.logLoss(net, pool))
        .isCloseTo(fit.lossAfter(), within(1e-4))
        .isLessThan(lossBefore - 0.05);
  }

  @Test
  void refusesWhatItCannotFit() {
    ImageSet pool = TestData.pneumonia().train().subset(TestData.first(20));
    MultiLayerNetwork net = NetworkFactory.build(ModelsTest.spec(TestData.pneumonia()));
    assertThatThrownBy(() -> OutputLayerRefit.refit(net, pool, 0.0, 8))
        .hasMessageContaining("μ must be > 0");
    assertThatThrownBy(() -> OutputLayerRefit.refit(net, pool.subset(new int[0]), 1.0, 8))
        .hasMessageContaining("no examples");

    // both refits refuse an empty pool when the merge is set up, naming the key that turns them off
    Restoration none = Restoration.of(BnStatsMode.PRETRAINED, null, java.util.List.of(), pool, 8);
    assertThatThrownBy(() -> none.thenRefitOutputLayer(pool.subset(new int[0]), 1.0, 8))
        .hasMessage(
            "Cannot refit the output layer: the public pool is empty (set partition.public-fraction > 0"
                + " or merge.output-layer=keep)");
    assertThatThrownBy(() -> none.thenRefitOutputBias(pool.subset(new int[0]), 1.0, 8))
        .hasMessage(
            "Cannot refit the output bias: the public pool is empty (set partition.public-fraction > 0"
                + " or merge.output-bias=keep)");

    MultiLayerNetwork sigmoid = ModelsTest.sigmoidOutputNetwork();
    assertThatThrownBy(() -> OutputLayerRefit.outputLayer(sigmoid))
        .hasMessageContaining("layer 1")
        .hasMessageContaining("not a dense softmax output layer");

    float[] x = features();
    x[7] = Float.POSITIVE_INFINITY;
    double[] theta0 = merged(0.5);
    assertThatThrownBy(
            () -> OutputLayerRefit.fit(x, labels(features()), weights(theta0), bias(theta0), 1.0))
        .hasMessageContaining("activation 1 of example 1 is Infinity");
  }

  private static double[] softmax(float[] x, int r, double[] w, double[] b) {
    double[] z = new double[C];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < C; c++) {
      z[c] = b[c];
      for (int d = 0; d < D; d++) {
        z[c] += x[r * D + d] * w[d * C + c];
      }
      max = Math.max(max, z[c]);
    }
    double sum = 0;
    for (int c = 0; c < C; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (int c = 0; c < C; c++) {
      z[c] /= sum;
    }
    return z;
  }
}
