package io.medvec.core.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.RealImages;
import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.merge.SyntheticWeights;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.KerasImport;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.Tensors;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.restore.BatchNormRestorer;
import io.medvec.core.restore.OutputBiasRefit;
import io.medvec.core.restore.OutputLayerRefit;
import java.math.BigDecimal;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Data vectors on an imported pre-trained {@code ComputationGraph} (ResNet-8 with residual adds, a
 * new 9-class head for isic-skin, its stem frozen), fine-tuned on real dermoscopic images.
 */
class GraphVectorTest {

  private static ImageSet images;
  private static Network base;

  @BeforeAll
  static void importBase() {
    images = RealImages.isic(4, 32); // 36 real images, 4 per class
    Network imported =
        KerasImport.load(TestData.sharedModels().resolve("resnet8-cifar10.h5"), PixelScale.BYTE)
            .network();
    base = KerasImport.withHead(imported, images.numClasses(), "batch_normalization", 1e-3, 7);
  }

  @Test
  void frozenLayersAreInNeitherTheVectorNorItsStatistics() {
    VectorLayout trainable = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout stats = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    VectorLayout frozen = ParamVectors.layout(base, ParamKind.FROZEN);
    assertThat(names(frozen))
        .containsExactly(
            "conv2d_b",
            "conv2d_W",
            "batch_normalization_gamma",
            "batch_normalization_beta",
            "batch_normalization_mean",
            "batch_normalization_var");
    assertThat(names(trainable))
        .contains("conv2d_1_W", "batch_normalization_1_gamma", "medvec_head_W", "medvec_head_b")
        .doesNotContain("conv2d_W", "batch_normalization_1_mean");
    assertThat(names(stats))
        .contains("batch_normalization_1_mean", "batch_normalization_6_var")
        .doesNotContain("batch_normalization_mean");
    assertThat(trainable.size() + stats.size() + frozen.size()).isEqualTo(base.numParams());
    assertThat(trainable.tensors().get(trainable.tensors().size() - 2).shape())
        .containsExactly(64L, 9L);
  }

  @Test
  void theFingerprintAndOutputsSurviveTheModelFile() {
    byte[] bytes = ModelIO.toBytes(base);
    Network read = ModelIO.networkFromBytes(bytes, "memory", PixelScale.BYTE);
    assertThat(read.isGraph()).isTrue();
    assertThat(Fingerprint.of(read)).isEqualTo(Fingerprint.of(base));
    assertThat(ParamVectors.layout(read, ParamKind.FROZEN))
        .isEqualTo(ParamVectors.layout(base, ParamKind.FROZEN));
    assertThat(Predictor.predict(read, images, 16)).isEqualTo(Predictor.predict(base, images, 16));

    Network changed = base.copy();
    INDArray bias = changed.getParam("conv2d_5_b").dup();
    bias.putScalar(0, bias.getFloat(0) + 1e-3f);
    changed.setParam("conv2d_5_b", bias);
    assertThat(Fingerprint.of(changed)).isNotEqualTo(Fingerprint.of(base));
  }

  @Test
  void fineTunedVectorsReproduceTheirModelsMergeAndRestore() {
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout frozen = ParamVectors.layout(base, ParamKind.FROZEN);
    float[] before = ParamVectors.flatten(base, layout);
    float[][] tau = new float[2][];
    for (int site = 0; site < 2; site++) {
      int[] half = new int[images.size() / 2];
      for (int i = 0; i < half.length; i++) {
        half[i] = 2 * i + site;
      }
      Network tuned = base.copy();
      Trainer.fit(tuned, images.subset(half), new TrainSettings(2, 6, 1e-3, site), e -> {});
      assertThat(ParamVectors.flatten(tuned, frozen))
          .as("frozen layers unchanged by training")
          .isEqualTo(ParamVectors.flatten(base, frozen));
      tau[site] = ParamVectors.delta(base, tuned, layout);
      assertThat(nonZero(tau[site])).isGreaterThan(layout.size() / 2);
      float[] rebuilt =
          ParamVectors.flatten(SyntheticWeights.compose(base, layout, tau[site], 1.0), layout);
      assertReconstructionGuarantee(
          ParamVectors.flatten(base, layout),
          ParamVectors.flatten(tuned, layout),
          tau[site],
          rebuilt);
    }
    assertThat(ParamVectors.flatten(base, layout)).as("base untouched").isEqualTo(before);

    float[] sum = new float[tau[0].length];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = tau[0][i] + tau[1][i];
    }
    Network merged = SyntheticWeights.compose(base, layout, sum, 0.5);
    assertThat(BatchNormRestorer.restore(merged, images, 8)).isEqualTo(6); // 7 BN, 1 frozen
    assertEveryBatchNormMatchesItsInput(merged, images);
    assertThat(ParamVectors.flatten(merged, frozen)).isEqualTo(ParamVectors.flatten(base, frozen));

    float[] probs = Predictor.predict(merged, images, 16);
    for (int r = 0; r < images.size(); r++) {
      double rowSum = 0;
      for (int c = 0; c < images.numClasses(); c++) {
        rowSum += probs[r * images.numClasses() + c];
      }
      assertThat(rowSum).isCloseTo(1.0, within(1e-5));
    }
    OutputLayerRefit.Fit layer = OutputLayerRefit.refit(merged, images, 1.0, 16);
    assertThat(layer.lossAfter()).isLessThan(layer.lossBefore());
    OutputBiasRefit.Fit bias = OutputBiasRefit.refit(merged, images, 1.0, 16);
    assertThat(bias.shift()).hasSize(images.numClasses());
  }

  /**
   * After restoration every trainable BN layer's running mean and variance are the statistics of
   * its input over the data in inference mode (upstream layers restored first, residual adds
   * included): recomputed here in one forward pass per layer on the whole set.
   */
  private static void assertEveryBatchNormMatchesItsInput(Network net, ImageSet data) {
    INDArray features = net.features(data, identity(data.size()), 0, data.size());
    for (Network.LayerRef layer : net.layers()) {
      if (!(layer.conf() instanceof BatchNormalization) || layer.frozen()) {
        continue;
      }
      Map<String, INDArray> acts = net.activationsUpTo(layer.name(), features);
      INDArray input = acts.get(net.inputNameOf(layer.name())); // NHWC
      float[] mean = Tensors.toFloats(input.mean(0, 1, 2));
      float[] var = Tensors.toFloats(input.var(false, 0, 1, 2));
      float[] storedMean = Tensors.toFloats(net.getParam(layer.key("mean")));
      float[] storedVar = Tensors.toFloats(net.getParam(layer.key("var")));
      for (int c = 0; c < mean.length; c++) {
        double scale = 1e-4 * Math.max(1, Math.abs(mean[c]) + var[c]);
        assertThat((double) storedMean[c])
            .as(layer.name() + " mean " + c)
            .isCloseTo(mean[c], within(scale));
        assertThat((double) storedVar[c])
            .as(layer.name() + " var " + c)
            .isCloseTo(var[c], within(scale));
      }
    }
  }

  /**
   * The guarantee {@link ParamVectors#delta} documents, entry by entry in exact arithmetic: where
   * the float32 subtraction θ ⊖ θ_pre is exact (always when both have one sign within a factor 2,
   * or either is zero: Sterbenz), θ_pre ⊕ τ is θ bit for bit; elsewhere it is within ½ ulp(τ) + ½
   * ulp(θ_pre ⊕ τ) of θ. Inexact entries must stay a small minority on a real fine-tune.
   */
  private static void assertReconstructionGuarantee(
      float[] base, float[] tuned, float[] tau, float[] rebuilt) {
    int inexact = 0;
    int differ = 0;
    int sterbenz = 0;
    for (int i = 0; i < tuned.length; i++) {
      BigDecimal exactDiff = new BigDecimal(tuned[i]).subtract(new BigDecimal(base[i]));
      boolean exact = exactDiff.compareTo(new BigDecimal(tau[i])) == 0;
      float b = Math.abs(base[i]);
      float t = Math.abs(tuned[i]);
      if (base[i] == 0
          || tuned[i] == 0
          || Math.signum(base[i]) == Math.signum(tuned[i]) && b / 2 <= t && t <= 2 * b) {
        sterbenz++;
        assertThat(exact).as("Sterbenz subtraction exact at " + i).isTrue();
      }
      if (exact) {
        assertThat(Float.floatToRawIntBits(rebuilt[i]))
            .as("theta_pre + tau is theta bit for bit at " + i)
            .isEqualTo(Float.floatToRawIntBits(tuned[i]));
      } else {
        inexact++;
        differ += rebuilt[i] != tuned[i] ? 1 : 0;
        BigDecimal error = new BigDecimal(rebuilt[i]).subtract(new BigDecimal(tuned[i])).abs();
        BigDecimal bound =
            new BigDecimal(Math.ulp(tau[i]) / 2.0).add(new BigDecimal(Math.ulp(rebuilt[i]) / 2.0));
        assertThat(error).as("rounding bound at " + i).isLessThanOrEqualTo(bound);
      }
    }
    System.out.printf(
        "theta_pre + tau: %d of %d subtractions inexact (%.2f %%), %d rebuilt entries differ"
            + " (%.2f %%), %d Sterbenz-exact%n",
        inexact,
        tuned.length,
        100.0 * inexact / tuned.length,
        differ,
        100.0 * differ / tuned.length,
        sterbenz);
    assertThat(sterbenz).isGreaterThan(tuned.length / 2);
    assertThat(inexact).isLessThan(tuned.length / 20);
  }

  private static java.util.List<String> names(VectorLayout layout) {
    return layout.tensors().stream().map(TensorSpec::name).toList();
  }

  private static long nonZero(float[] values) {
    long n = 0;
    for (float v : values) {
      n += v != 0 ? 1 : 0;
    }
    return n;
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
