package io.medvec.core.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.privacy.DpSettings;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class VectorReleaseTest {

  private static final TrainSettings TRAIN = new TrainSettings(2, 8, 1e-3, 11);
  private final Configuration conf = new Configuration();
  @TempDir java.nio.file.Path dir;

  private static MultiLayerNetwork network() {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(3)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
    net.init();
    return net;
  }

  private static MultiLayerNetwork tuned(MultiLayerNetwork base, float step) {
    MultiLayerNetwork tuned = base.clone();
    tuned.params().addi(step);
    return tuned;
  }

  private VectorStore store() {
    return new VectorStore(conf, new Path(dir.toUri()));
  }

  private StoredVector publish(MultiLayerNetwork base, MultiLayerNetwork tuned, DpSettings dp) {
    ImageSet local = TestData.pneumonia().train().subset(TestData.first(10));
    return new VectorRelease(store(), "h0", "r1", Fingerprint.of(base))
        .publish(base, tuned, local, TRAIN, 0.5, dp);
  }

  @Test
  void publishedVectorIsTheDeltaWithTheTunedStatisticsAndTraining() {
    MultiLayerNetwork base = network();
    MultiLayerNetwork tuned = tuned(base, 0.25f);
    StoredVector stored = publish(base, tuned, null);
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    assertThat(store().readDelta(stored)).containsExactly(ParamVectors.delta(base, tuned, layout));
    assertThat(stored.manifest().hospital()).isEqualTo("h0");
    assertThat(stored.manifest().examples()).isEqualTo(10);
    assertThat(stored.manifest().training().finalLoss()).isEqualTo(0.5);
    assertThat(stored.manifest().privacy()).isNull();
  }

  @Test
  void privateReleasesAreCountedAndAnIdenticalRerunIsTheSameRelease() {
    MultiLayerNetwork base = network();
    DpSettings dp = new DpSettings(0.5, 2, 1e-5, 7L);
    assertThat(publish(base, tuned(base, 0.25f), dp).manifest().privacy().releases()).isEqualTo(1);
    assertThat(publish(base, tuned(base, 0.25f), dp).manifest().privacy().releases()).isEqualTo(1);
    assertThat(publish(base, tuned(base, 0.5f), dp).manifest().privacy().releases()).isEqualTo(2);
  }

  @Test
  void privateReleaseAfterAPublicOneIsRefusedNamingTheVector() {
    MultiLayerNetwork base = network();
    StoredVector plain = publish(base, tuned(base, 0.25f), null);
    assertThatThrownBy(() -> publish(base, tuned(base, 0.25f), new DpSettings(0.5, 2, 1e-5, 7L)))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining(
            "Cannot release hospital h0's vector under differential privacy: " + plain.dir());
  }
}
