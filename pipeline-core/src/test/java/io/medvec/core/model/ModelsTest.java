package io.medvec.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.eval.ClassificationMetrics;
import io.medvec.core.eval.ScoreSet;
import io.medvec.core.restore.BatchNormRestorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

public class ModelsTest {

  public static NetworkSpec spec(MedMnist data) {
    return new NetworkSpec(
        data.channels(), 28, 28, data.numClasses(), List.of(4, 8), 3, true, 16, 1e-3, 42);
  }

  /** A dense network whose output layer is sigmoid, not softmax (what the output refits refuse). */
  public static MultiLayerNetwork sigmoidOutputNetwork() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                        .nIn(3)
                        .nOut(2)
                        .activation(Activation.SIGMOID)
                        .build())
                .build());
    net.init();
    return net;
  }

  /** The network's mean log-loss on {@code data}. */
  public static double logLoss(MultiLayerNetwork net, ImageSet data) {
    ScoreSet scores = new ScoreSet(data.numClasses());
    scores.addAll(data.labels(), Predictor.predict(net, data, 64));
    return ClassificationMetrics.logLoss(scores);
  }

  @Test
  void fingerprintSurvivesSaveAndLoadAndSeesEveryParameter() {
    MultiLayerNetwork net = NetworkFactory.build(spec(TestData.pneumonia()));
    String fingerprint = Fingerprint.of(net);
    MultiLayerNetwork reloaded = ModelIO.fromBytes(ModelIO.toBytes(net), "bytes");
    assertThat(Fingerprint.of(reloaded)).isEqualTo(fingerprint).hasSize(64);

    for (String key : List.of("0_W", "1_mean", "1_var", "1_gamma")) {
      MultiLayerNetwork changed = net.clone();
      INDArray value = changed.getParam(key).dup();
      value.putScalar(0, value.getDouble(0) + 1e-3);
      changed.setParam(key, value);
      assertThat(Fingerprint.of(changed)).as(key).isNotEqualTo(fingerprint);
    }
  }

  @Test
  void sameSeedGivesSameWeightsAndTrainingLowersLoss() {
    ImageSet data = TestData.pneumonia().train().subset(TestData.first(256));
    MultiLayerNetwork a = NetworkFactory.build(spec(TestData.pneumonia()));
    MultiLayerNetwork b = NetworkFactory.build(spec(TestData.pneumonia()));
    TrainSettings settings = new TrainSettings(3, 32, 1e-3, 5);
    List<EpochStats> epochs = new ArrayList<>();
    Trainer.fit(a, data, settings, epochs::add);
    Trainer.fit(b, data, settings, e -> {});
    assertThat(Fingerprint.of(a)).isEqualTo(Fingerprint.of(b));
    assertThat(epochs).hasSize(3);
    assertThat(epochs.get(2).meanLoss()).isLessThan(epochs.get(0).meanLoss());
    assertThat(epochs.get(0).examples()).isEqualTo(256);
  }

  @Test
  void predictionsAreProbabilityRowsInDataOrder() {
    ImageSet data = TestData.pneumonia().test().subset(TestData.first(70));
    MultiLayerNetwork net = NetworkFactory.build(spec(TestData.pneumonia()));
    float[] batched = Predictor.predict(net, data, 16);
    float[] single = Predictor.predict(net, data.subset(new int[] {37}), 1);
    assertThat(batched).hasSize(140);
    for (int i = 0; i < 70; i++) {
      assertThat(batched[2 * i] + batched[2 * i + 1]).isCloseTo(1f, within(1e-5f));
    }
    assertThat(single[0]).isCloseTo(batched[74], within(1e-5f));
  }

  @Test
  void restoredBatchNormStatisticsAreTheInputMoments() {
    MedMnist pneumonia = TestData.pneumonia();
    ImageSet pool = pneumonia.train().subset(TestData.first(300));
    MultiLayerNetwork net = NetworkFactory.build(spec(pneumonia));
    Trainer.fit(net, pool, new TrainSettings(1, 32, 1e-3, 1), e -> {});

    assertThat(BatchNormRestorer.restore(net, pool, 64)).isEqualTo(2);

    // input of BN layer 1 is the output of conv layer 0, over all 300 images at once
    INDArray features = Batches.features(pool, Batches.identity(300), 0, 300);
    INDArray convOut = net.feedForwardToLayer(1, features, false).get(1);
    INDArray expectedMean = convOut.mean(0, 2, 3);
    INDArray expectedVar = convOut.var(false, 0, 2, 3);
    assertThat(Tensors.toFloats(net.getParam("1_mean")))
        .containsExactly(Tensors.toFloats(expectedMean), within(1e-4f));
    assertThat(Tensors.toFloats(net.getParam("1_var")))
        .containsExactly(Tensors.toFloats(expectedVar), within(1e-4f));
    Map<String, INDArray> table = net.paramTable();
    assertThat(table).containsKeys("5_mean", "5_var");
  }

  @Test
  void restoreRefusesAnEmptyPool() {
    MultiLayerNetwork net = NetworkFactory.build(spec(TestData.pneumonia()));
    ImageSet empty = TestData.pneumonia().train().subset(new int[0]);
    assertThatThrownBy(() -> BatchNormRestorer.restore(net, empty, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no examples");
  }

  @Test
  void specRejectsBadValuesNamingTheField() {
    assertThatThrownBy(() -> new NetworkSpec(1, 28, 28, 2, List.of(8), 4, true, 16, 1e-3, 1))
        .hasMessageContaining("kernel")
        .hasMessageContaining("(4)");
    assertThatThrownBy(
            () -> new NetworkSpec(1, 28, 28, 2, List.of(8, 8, 8, 8, 8, 8), 3, true, 16, 1e-3, 1))
        .hasMessageContaining("conv-filters");
    assertThatThrownBy(() -> new TrainSettings(0, 32, 1e-3, 1)).hasMessageContaining("epochs");
    assertThatThrownBy(() -> new TrainSettings(1, 32, Double.NaN, 1))
        .hasMessageContaining("learning-rate");
  }
}
