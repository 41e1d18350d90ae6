package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link FastBatchNorm} against the textbook formulas in double precision, and against DL4J's own
 * helper.
 */
class FastBatchNormTest {

  private static final double EPS = 1e-5;
  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

  /** One batch: NCHW input, upstream gradient, γ and β (shaped [1, C] like the layer's views). */
  private record Batch(INDArray x, INDArray dy, INDArray gamma, INDArray beta) {
    static Batch random(int n, int c, int h, int w, long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      // a channel mean far from zero and unequal scales, so a shortcut in either pass shows
      float[] x = new float[n * c * h * w];
      for (int i = 0; i < x.length; i++) {
        int ch = (i / (h * w)) % c;
        x[i] = (float) (3.0 * ch - 2.0 + (ch + 1) * random.nextGaussian());
      }
      float[] dy = new float[x.length];
      for (int i = 0; i < dy.length; i++) {
        dy[i] = (float) random.nextGaussian();
      }
      float[] gamma = new float[c];
      float[] beta = new float[c];
      for (int i = 0; i < c; i++) {
        gamma[i] = (float) (0.5 + random.nextDouble());
        beta[i] = (float) random.nextGaussian();
      }
      long[] shape = {n, c, h, w};
      return new Batch(
          Nd4j.create(x, shape, 'c'),
          Nd4j.create(dy, shape, 'c'),
          Nd4j.create(gamma, new long[] {1, c}, 'c'),
          Nd4j.create(beta, new long[] {1, c}, 'c'));
    }

    int channels() {
      return (int) x.size(1);
    }
  }

  /**
   * What one helper computed for a batch: output, input gradient, dγ, dβ, batch mean and variance.
   */
  private record Result(
      float[] y, float[] dx, float[] dGamma, float[] dBeta, float[] mean, float[] var) {}

  private static Result run(BatchNormalizationHelper helper, Batch b) {
    int c = b.channels();
    INDArray y =
        helper.preOutput(
            b.x(),
            true,
            b.x().shape(),
            b.gamma(),
            b.beta(),
            Nd4j.zeros(DataType.FLOAT, 1, c),
            Nd4j.ones(DataType.FLOAT, 1, c),
            0.9,
            EPS,
            CNN2DFormat.NCHW,
            NO_WORKSPACES);
    INDArray dGamma = Nd4j.zeros(DataType.FLOAT, 1, c);
    INDArray dBeta = Nd4j.zeros(DataType.FLOAT, 1, c);
    Pair<Gradient, INDArray> back =
        helper.backpropGradient(
            b.x(),
            b.dy(),
            b.x().shape(),
            b.gamma(),
            b.beta(),
            dGamma,
            dBeta,
            EPS,
            CNN2DFormat.NCHW,
            NO_WORKSPACES);
    assertThat(back.getFirst().getGradientFor("gamma")).isSameAs(dGamma);
    assertThat(back.getFirst().getGradientFor("beta")).isSameAs(dBeta);
    return new Result(
        y.dup().data().asFloat(),
        back.getSecond().dup().data().asFloat(),
        dGamma.toFloatVector(),
        dBeta.toFloatVector(),
        helper.getMeanCache(DataType.FLOAT).toFloatVector(),
        helper.getVarCache(DataType.FLOAT).toFloatVector());
  }

  /** The textbook batch norm forward and backward in double precision. */
  private static Result reference(Batch b) {
    int n = (int) b.x().size(0);
    int c = b.channels();
    int hw = (int) (b.x().size(2) * b.x().size(3));
    double[] x = b.x().data().asDouble();
    double[] dy = b.dy().data().asDouble();
    double[] gamma = b.gamma().data().asDouble();
    double[] beta = b.beta().data().asDouble();
    float[] y = new float[x.length];
    float[] dx = new float[x.length];
    float[] dGamma = new float[c];
    float[] dBeta = new float[c];
    float[] mean = new float[c];
    float[] var = new float[c];
    double m = (double) n * hw;
    for (int ch = 0; ch < c; ch++) {
      double mu = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < hw; j++) {
          mu += x[(i * c + ch) * hw + j];
        }
      }
      mu /= m;
      double v = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < hw; j++) {
          double d = x[(i * c + ch) * hw + j] - mu;
          v += d * d;
        }
      }
      v /= m;
      double std = Math.sqrt(v + EPS);
      double sumDy = 0;
      double sumDyXhat = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < hw; j++) {
          int k = (i * c + ch) * hw + j;
          double xhat = (x[k] - mu) / std;
          y[k] = (float) (gamma[ch] * xhat + beta[ch]);
          sumDy += dy[k];
          sumDyXhat += dy[k] * xhat;
        }
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < hw; j++) {
          int k = (i * c + ch) * hw + j;
          double xhat = (x[k] - mu) / std;
          dx[k] = (float) (gamma[ch] / std * (dy[k] - sumDy / m - xhat * sumDyXhat / m));
        }
      }
      dGamma[ch] = (float) sumDyXhat;
      dBeta[ch] = (float) sumDy;
      mean[ch] = (float) mu;
      var[ch] = (float) v;
    }
    return new Result(y, dx, dGamma, dBeta, mean, var);
  }

  private static void assertClose(Result actual, Result expected, float tolerance) {
    assertClose("y", actual.y(), expected.y(), tolerance);
    assertClose("dx", actual.dx(), expected.dx(), tolerance);
    assertClose("dGamma", actual.dGamma(), expected.dGamma(), tolerance);
    assertClose("dBeta", actual.dBeta(), expected.dBeta(), tolerance);
    assertClose("mean", actual.mean(), expected.mean(), tolerance);
    assertClose("var", actual.var(), expected.var(), tolerance);
  }

  /** Element-wise, relative to the largest expected magnitude of the array. */
  private static void assertClose(String what, float[] actual, float[] expected, float tolerance) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    float scale = 1e-3f;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i], within(tolerance * scale));
    }
  }

  private static void assertSameBits(Result actual, Result expected, String what) {
    assertThat(actual.y()).as("y, %s", what).containsExactly(expected.y());
    assertThat(actual.dx()).as("dx, %s", what).containsExactly(expected.dx());
    assertThat(actual.dGamma()).as("dGamma, %s", what).containsExactly(expected.dGamma());
    assertThat(actual.dBeta()).as("dBeta, %s", what).containsExactly(expected.dBeta());
    assertThat(actual.mean()).as("mean, %s", what).containsExactly(expected.mean());
    assertThat(actual.var()).as("var, %s", what).containsExactly(expected.var());
  }

  private static FastBatchNorm fast(int threads) {
    return new FastBatchNorm(new MKLDNNBatchNormHelper(DataType.FLOAT), () -> threads);
  }

  @Test
  void trainingPassesMatchTheFormulasInDoublePrecision() {
    // H·W = 15: not a multiple of the 4-way unrolled sums, so their tails run too
    Batch batch = Batch.random(6, 5, 3, 5, 1);
    FastBatchNorm helper = fast(1);
    assertClose(run(helper, batch), reference(batch), 2e-6f);
    assertThat(helper.trainingSteps()).isEqualTo(1);
  }

  @Test
  void dl4jsOwnHelperAgreesWithTheSameFormulas() {
    // the reference is the semantics DL4J's oneDNN helper has (biased batch variance, same
    // gradients)
    Batch batch = Batch.random(8, 4, 6, 6, 2);
    assertClose(run(new MKLDNNBatchNormHelper(DataType.FLOAT), batch), reference(batch), 1e-4f);
  }

  @Test
  void anyThreadCountGivesTheSameBits() {
    Batch batch = Batch.random(4, 7, 8, 8, 3);
    Result one = run(fast(1), batch);
    for (int threads : new int[] {2, 3, 16}) {
      assertSameBits(run(fast(threads), batch), one, threads + " threads");
    }
  }

  @Test
  void viewsAndOtherStridesAreReadInLogicalOrder() {
    Batch dense = Batch.random(3, 4, 5, 6, 4);
    // the same logical NCHW arrays, stored NHWC and permuted back: non-default strides
    INDArray x = dense.x().permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
    INDArray dy = dense.dy().permute(0, 2, 3, 1).dup('c').permute(0, 3, 1, 2);
    assertThat(x.equalsWithEps(dense.x(), 0)).isTrue();
    // and a view at a non-zero offset in a larger buffer
    INDArray padded = Nd4j.zeros(DataType.FLOAT, 4, 4, 5, 6);
    padded.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4)).assign(dense.x());
    INDArray offsetView = padded.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4));
    assertThat(offsetView.offset()).isPositive();

    Result expected = run(fast(1), dense);
    Result strided = run(fast(1), new Batch(x, dy, dense.gamma(), dense.beta()));
    Result offset = run(fast(1), new Batch(offsetView, dense.dy(), dense.gamma(), dense.beta()));
    assertSameBits(strided, expected, "strided");
    assertSameBits(offset, expected, "offset");
  }

  @Test
  void inferenceAndOtherLayoutsGoToTheReplacedHelper() {
    Batch batch = Batch.random(4, 3, 5, 5, 5);
    INDArray mean = Nd4j.createFromArray(new float[] {0.5f, -1f, 2f}).reshape(1, 3);
    INDArray var = Nd4j.createFromArray(new float[] {1f, 4f, 0.25f}).reshape(1, 3);
    FastBatchNorm helper = fast(2);
    MKLDNNBatchNormHelper dl4j = new MKLDNNBatchNormHelper(DataType.FLOAT);
    INDArray expected =
        dl4j.preOutput(
            batch.x(),
            false,
            batch.x().shape(),
            batch.gamma(),
            batch.beta(),
            mean,
            var,
            0.9,
            EPS,
            CNN2DFormat.NCHW,
            NO_WORKSPACES);
    INDArray actual =
        helper.preOutput(
            batch.x(),
            false,
            batch.x().shape(),
            batch.gamma(),
            batch.beta(),
            mean,
            var,
            0.9,
            EPS,
            CNN2DFormat.NCHW,
            NO_WORKSPACES);
    assertThat(actual.dup().data().asFloat()).containsExactly(expected.dup().data().asFloat());
    assertThat(helper.trainingSteps()).isZero();

    // NHWC training: not ours; the replaced helper's statistics are the ones reported (a fresh
    // pair:
    // DL4J's helper fixes its channel axis on first use)
    helper = fast(2);
    INDArray nhwc = batch.x().permute(0, 2, 3, 1).dup('c');
    helper.preOutput(
        nhwc,
        true,
        nhwc.shape(),
        batch.gamma(),
        batch.beta(),
        mean,
        var,
        0.9,
        EPS,
        CNN2DFormat.NHWC,
        NO_WORKSPACES);
    assertThat(helper.trainingSteps()).isZero();
    assertThat(helper.getMeanCache(DataType.FLOAT))
        .isSameAs(helper.inference().getMeanCache(DataType.FLOAT));
    assertThat(helper.getMeanCache(DataType.FLOAT).toFloatVector())
        .containsExactly(reference(batch).mean(), within(1e-5f));
  }
}
