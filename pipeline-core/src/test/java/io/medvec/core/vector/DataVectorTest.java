package io.medvec.core.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.MedMnist;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.merge.LambdaSearch;
import io.medvec.core.merge.SyntheticWeights;
import io.medvec.core.merge.VectorSum;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.model.Predictor;
import io.medvec.core.model.TrainSettings;
import io.medvec.core.model.Trainer;
import io.medvec.core.restore.BnStatsMode;
import io.medvec.core.restore.Restoration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataVectorTest {

  static MultiLayerNetwork base;
  static MultiLayerNetwork tuned;
  static ImageSet local;
  static String fingerprint;

  @TempDir Path tmp;
  final Configuration conf = new Configuration();

  @BeforeAll
  static void fineTuneOnce() {
    MedMnist data = TestData.pneumonia();
    base =
        NetworkFactory.build(new NetworkSpec(1, 28, 28, 2, List.of(4, 8), 3, true, 16, 1e-3, 42));
    fingerprint = Fingerprint.of(base);
    local = data.train().subset(Arrays.copyOfRange(TestData.first(700), 500, 700));
    tuned = base.clone();
    Trainer.fit(tuned, local, new TrainSettings(2, 32, 1e-3, 3), e -> {});
  }

  static VectorManifest manifest(
      String hospital, String fp, VectorLayout layout, VectorLayout bnLayout, long n) {
    return new VectorManifest(
        VectorManifest.FORMAT,
        hospital,
        "pneumoniamnist",
        "test",
        fp,
        n,
        List.of(n - 1, 1L),
        layout,
        bnLayout,
        new TrainingInfo(2, 32, 1e-3, 3, 0.5, 1),
        null,
        null,
        null,
        null,
        Instant.EPOCH.toString());
  }

  VectorStore store() {
    return new VectorStore(conf, HadoopFiles.qualify(conf, tmp.resolve("vectors").toString()));
  }

  StoredVector publish(VectorStore store, String hospital) {
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout bnLayout = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    return store.write(
        manifest(hospital, fingerprint, layout, bnLayout, local.size()),
        ParamVectors.delta(base, tuned, layout),
        ParamVectors.flatten(tuned, bnLayout));
  }

  /** h0's vector as published and listed, its layout and the streaming sum. */
  record OneVector(
      VectorStore store, List<StoredVector> vectors, VectorLayout layout, float[] sum) {

    Restoration restore() {
      return Restoration.of(BnStatsMode.RESTORE, store, vectors, local, 64);
    }
  }

  OneVector publishH0() {
    VectorStore store = store();
    publish(store, "h0");
    List<StoredVector> vectors = store.list(fingerprint);
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    return new OneVector(store, vectors, layout, VectorSum.sum(store, vectors, layout));
  }

  @Test
  void batchNormStatisticsAreKeptOutOfTheDelta() {
    VectorLayout trainable = ParamVectors.layout(base, ParamKind.TRAINABLE);
    VectorLayout stats = ParamVectors.layout(base, ParamKind.BN_STATISTIC);
    assertThat(stats.tensors())
        .extracting(TensorSpec::name)
        .containsExactly("1_mean", "1_var", "5_mean", "5_var");
    assertThat(trainable.tensors())
        .extracting(TensorSpec::name)
        .contains("0_W", "0_b", "1_gamma", "1_beta", "9_W")
        .noneMatch(n -> n.endsWith("_mean") || n.endsWith("_var"));
    assertThat(trainable.size() + stats.size()).isEqualTo(base.numParams());
  }

  @Test
  void mergingOneVectorWithLambdaOneGivesBackTheFineTunedModel() {
    VectorStore store = store();
    publish(store, "h0");
    List<StoredVector> vectors = store.list(fingerprint);
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);

    float[] sum = VectorSum.sum(store, vectors, layout);
    MultiLayerNetwork rebuilt =
        Restoration.of(BnStatsMode.AVERAGE, store, vectors, local, 64)
            .apply(SyntheticWeights.compose(base, layout, sum, 1.0));

    float[] expected = tuned.params().dup().data().asFloat();
    float[] actual = rebuilt.params().dup().data().asFloat();
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i]))
          .as("param %d", i)
          .isLessThanOrEqualTo(Math.ulp(Math.abs(expected[i])) * 4 + 1e-7f);
    }
    ImageSet test = TestData.pneumonia().test();
    float[] want = Predictor.predict(tuned, test, 128);
    float[] got = Predictor.predict(rebuilt, test, 128);
    for (int i = 0; i < test.size(); i++) {
      assertThat(got[2 * i + 1] > got[2 * i])
          .as("prediction %d", i)
          .isEqualTo(want[2 * i + 1] > want[2 * i]);
      assertThat(Math.abs(got[2 * i] - want[2 * i])).isLessThan(1e-4f);
    }
    // and the base itself is not what we rebuilt: the test can fail
    assertThat(Fingerprint.of(rebuilt)).isNotEqualTo(fingerprint);
  }

  @Test
  void logLossSearchPicksTheCandidateWithTheLowestValidationLoss() {
    OneVector h0 = publishH0();
    VectorLayout layout = h0.layout();
    ImageSet val = TestData.pneumonia().val();

    LambdaSearch.Choice choice =
        LambdaSearch.search(
            Network.of(base),
            layout,
            h0.sum(),
            List.of(0.0, 0.5, 1.0, 3.0),
            h0.restore(),
            val,
            LambdaSearch.Metric.LOG_LOSS,
            128);

    assertThat(choice.candidates())
        .extracting(LambdaSearch.Candidate::lambda)
        .containsExactly(0.0, 0.5, 1.0, 3.0);
    assertThat(choice.candidates())
        .allSatisfy(c -> assertThat(c.valLogLoss()).isPositive().isFinite());
    LambdaSearch.Candidate lowest =
        choice.candidates().stream()
            .min(java.util.Comparator.comparingDouble(LambdaSearch.Candidate::valLogLoss))
            .orElseThrow();
    assertThat(choice.lambda()).isEqualTo(lowest.lambda());
    // the candidates really differ, so picking the minimum is a decision, not a tie
    assertThat(choice.candidates())
        .extracting(LambdaSearch.Candidate::valLogLoss)
        .doesNotHaveDuplicates();
    assertThat(LambdaSearch.score(choice.model(), val, 128).auc()).isEqualTo(lowest.valAuc());
  }

  @Test
  void aCandidateWithNonFiniteOutputsStopsTheSearchNamingItsLambda() {
    OneVector h0 = publishH0();
    float[] diverged = h0.sum().clone();
    diverged[diverged.length - 1] = Float.NaN; // the output bias of the last class
    ImageSet val = TestData.pneumonia().val();
    assertThatThrownBy(
            () ->
                LambdaSearch.search(
                    Network.of(base),
                    h0.layout(),
                    diverged,
                    List.of(0.5),
                    h0.restore(),
                    val,
                    LambdaSearch.Metric.LOG_LOSS,
                    128))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("λ 0.5")
        .hasMessageContaining("not finite")
        .hasRootCauseInstanceOf(IllegalArgumentException.class);
    // with the refit, at once (not after the scaling loop's cap) and saying what it saw
    assertThatThrownBy(
            () ->
                LambdaSearch.search(
                    Network.of(base),
                    h0.layout(),
                    diverged,
                    List.of(0.5),
                    h0.restore().thenRefitOutputBias(local, 1.0, 64),
                    val,
                    LambdaSearch.Metric.LOG_LOSS,
                    128))
        .hasMessageContaining("λ 0.5")
        .hasMessageContaining("Cannot refit the output bias: the network predicts NaN");
  }

  @Test
  void blockScopeScalesFeaturesAndHeadSeparately() {
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    float[] delta = ParamVectors.delta(base, tuned, layout);
    Network net = Network.of(base);
    java.util.Set<String> head = SyntheticWeights.headLayers(net);
    // conv, bn, relu, pool ×2, then the dense layer (8) and the output layer (9)
    assertThat(head).containsExactly("8", "9");

    float[] same =
        ParamVectors.flatten(SyntheticWeights.compose(net, layout, delta, 0.5, 0.5, head), layout);
    assertThat(same)
        .containsExactly(
            ParamVectors.flatten(SyntheticWeights.compose(base, layout, delta, 0.5), layout));

    MultiLayerNetwork split =
        SyntheticWeights.compose(net, layout, delta, 1.0, 0.0, head).multiLayer();
    for (TensorSpec t : layout.tensors()) {
      String layer = t.name().substring(0, t.name().indexOf('_'));
      assertThat(split.getParam(t.name()))
          .as(t.name())
          .isEqualTo((head.contains(layer) ? base : tuned).getParam(t.name()));
    }
    assertThat(split.getParam("1_mean")).isEqualTo(base.getParam("1_mean"));

    MultiLayerNetwork noFeatures =
        new MultiLayerNetwork(
            new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .list()
                .layer(
                    new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                        .nIn(4)
                        .nOut(3)
                        .build())
                .layer(
                    new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder()
                        .nIn(3)
                        .nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX)
                        .build())
                .build());
    noFeatures.init();
    assertThatThrownBy(() -> SyntheticWeights.headLayers(Network.of(noFeatures)))
        .hasMessageContaining("merge.lambda-scope=block");
  }

  @Test
  void blockSearchScoresEveryPairAndKeepsTheBest() {
    OneVector h0 = publishH0();
    VectorLayout layout = h0.layout();
    float[] sum = h0.sum();
    ImageSet val = TestData.pneumonia().val();
    Restoration bn = h0.restore();

    LambdaSearch.Choice choice =
        LambdaSearch.search(
            Network.of(base),
            layout,
            sum,
            LambdaSearch.Scope.BLOCK,
            List.of(0.0, 1.0, 3.0),
            bn,
            val,
            LambdaSearch.Metric.LOG_LOSS,
            128);

    assertThat(choice.candidates()).hasSize(9);
    assertThat(choice.candidates())
        .extracting(LambdaSearch.Candidate::lambda)
        .containsExactly(0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0);
    assertThat(choice.candidates())
        .extracting(LambdaSearch.Candidate::lambdaHead)
        .containsExactly(0.0, 1.0, 3.0, 0.0, 1.0, 3.0, 0.0, 1.0, 3.0);
    LambdaSearch.Candidate lowest =
        choice.candidates().stream()
            .min(java.util.Comparator.comparingDouble(LambdaSearch.Candidate::valLogLoss))
            .orElseThrow();
    assertThat(choice.chosen()).isEqualTo(lowest);
    assertThat(choice.lambdaHead()).isEqualTo(lowest.lambdaHead());
    // the diagonal is the one-λ search
    LambdaSearch.Choice model =
        LambdaSearch.search(
            Network.of(base),
            layout,
            sum,
            List.of(0.0, 1.0, 3.0),
            bn,
            val,
            LambdaSearch.Metric.LOG_LOSS,
            128);
    for (LambdaSearch.Candidate c : model.candidates()) {
      assertThat(choice.candidates())
          .anySatisfy(
              b -> {
                assertThat(b.lambdaHead()).isEqualTo(c.lambda());
                assertThat(b.lambda()).isEqualTo(c.lambda());
                assertThat(b.valLogLoss()).isEqualTo(c.valLogLoss());
              });
    }
    assertThat(lowest.valLogLoss()).isLessThanOrEqualTo(model.chosen().valLogLoss());
  }

  @Test
  void aVectorWhoseReDeliveryDiedMidCommitStillTakesPartFromWhereItWasMovedAside()
      throws Exception {
    VectorStore store = store();
    StoredVector published = publish(store, "h0");
    publish(store, "h1");
    float[] delta = store.readDelta(published);
    // what a re-delivery of h0 killed between its commit's two renames leaves behind
    java.nio.file.Path h0 = java.nio.file.Path.of(published.dir().toUri());
    java.nio.file.Path aside = h0.resolveSibling("_old-hospital-h0-" + java.util.UUID.randomUUID());
    java.nio.file.Files.move(h0, aside);

    List<StoredVector> listed = store.list(fingerprint);
    assertThat(listed).extracting(v -> v.manifest().hospital()).containsExactly("h0", "h1");
    assertThat(listed.get(0).dir().getName()).isEqualTo(aside.getFileName().toString());
    assertThat(store.readDelta(listed.get(0))).containsExactly(delta);
    assertThat(store.find(fingerprint, "h0"))
        .map(v -> v.manifest().vectorSha256())
        .contains(published.manifest().vectorSha256());

    publish(store, "h0"); // the next delivery puts things right
    assertThat(store.list(fingerprint))
        .extracting(v -> v.dir().getName())
        .containsExactly("hospital=h0", "hospital=h1");
    try (var names = java.nio.file.Files.list(h0.getParent())) {
      assertThat(names.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("hospital=h0", "hospital=h1");
    }
  }

  @Test
  void parquetRoundTripIsBitExact() {
    VectorStore store = store();
    StoredVector written = publish(store, "h1");
    StoredVector read = store.list(fingerprint).get(0);
    assertThat(read.manifest()).isEqualTo(written.manifest());
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    assertThat(bits(store.readDelta(read)))
        .isEqualTo(bits(ParamVectors.delta(base, tuned, layout)));
    assertThat(bits(store.readBnStats(read)))
        .isEqualTo(
            bits(ParamVectors.flatten(tuned, ParamVectors.layout(base, ParamKind.BN_STATISTIC))));
  }

  @Test
  void sumDoesNotDependOnTheOrderVectorsAreFoundIn() {
    VectorStore store = store();
    VectorLayout layout =
        new VectorLayout(List.of(new TensorSpec("0_W", List.of(3L, 1000L), 0, 3000)));
    VectorLayout none = new VectorLayout(List.of());
    java.util.Random random = new java.util.Random(9);
    float[][] deltas = new float[4][3000];
    for (int h = 0; h < 4; h++) {
      for (int i = 0; i < 3000; i++) {
        deltas[h][i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 4));
      }
      store.write(manifest("h" + h, fingerprint, layout, none, 10), deltas[h], new float[0]);
    }
    List<StoredVector> found = store.list(fingerprint);
    List<StoredVector> reversed = new java.util.ArrayList<>(found);
    java.util.Collections.reverse(reversed);
    float[] a = VectorSum.sum(store, found, layout);
    float[] b = VectorSum.sum(store, reversed, layout);
    assertThat(bits(b)).isEqualTo(bits(a));
    float[] sequential = new float[3000];
    for (int h = 0; h < 4; h++) {
      for (int i = 0; i < 3000; i++) {
        sequential[i] += deltas[h][i];
      }
    }
    assertThat(bits(a)).isEqualTo(bits(sequential));
  }

  @Test
  void parallelReadersSumExactlyLikeOneAndReportAReaderFailure() {
    VectorStore store = store();
    // 3.5 chunks per vector, so several chunks queue up ahead of the summation
    int n = 3 * 65_536 + 30_000;
    VectorLayout layout = new VectorLayout(List.of(new TensorSpec("0_W", List.of((long) n), 0, n)));
    VectorLayout none = new VectorLayout(List.of());
    java.util.Random random = new java.util.Random(3);
    for (int h = 0; h < 5; h++) {
      float[] delta = new float[n];
      for (int i = 0; i < n; i++) {
        delta[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(6) - 3));
      }
      store.write(manifest("p" + h, fingerprint, layout, none, 10), delta, new float[0]);
    }
    List<StoredVector> found = store.list(fingerprint);
    float[] sequential = VectorSum.sum(store, found, layout, 1);
    assertThat(bits(VectorSum.sum(store, found, layout, 3))).isEqualTo(bits(sequential));

    List<StoredVector> tampered = new java.util.ArrayList<>(found);
    StoredVector p2 = found.get(2);
    tampered.set(
        2,
        new StoredVector(
            p2.dir(),
            p2.manifest()
                .withFiles(
                    VectorStore.VECTOR_FILE,
                    "f".repeat(64),
                    VectorStore.BN_STATS_FILE,
                    p2.manifest().bnStatsSha256())));
    assertThatThrownBy(() -> VectorSum.sum(store, tampered, layout, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hospital=p2")
        .hasMessageContaining("does not match manifest");
  }

  @Test
  void vectorOfAnotherBaseIsRefused() {
    VectorStore store = store();
    StoredVector stored = publish(store, "h2");
    String other = "0".repeat(64);
    assertThat(store.list(other)).isEmpty();
    assertThatThrownBy(() -> store.open(stored.dir(), other))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining(fingerprint)
        .hasMessageContaining(other)
        .hasMessageContaining("manifest.json");
  }

  @Test
  void checksumMismatchIsRefusedNamingTheFile() {
    VectorStore store = store();
    StoredVector stored = publish(store, "h3");
    StoredVector tampered =
        new StoredVector(
            stored.dir(),
            stored
                .manifest()
                .withFiles(
                    VectorStore.VECTOR_FILE,
                    "f".repeat(64),
                    VectorStore.BN_STATS_FILE,
                    stored.manifest().bnStatsSha256()));
    assertThatThrownBy(() -> store.readDelta(tampered))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vector.parquet")
        .hasMessageContaining("does not match manifest");
  }

  @Test
  void duplicateHospitalsAndNonFiniteValuesAreRefused() {
    VectorStore store = store();
    StoredVector h4 = publish(store, "h4");
    VectorLayout layout = ParamVectors.layout(base, ParamKind.TRAINABLE);
    assertThatThrownBy(() -> VectorSum.sum(store, List.of(h4, h4), layout))
        .hasMessageContaining("two vectors claim hospital h4");

    VectorLayout small = new VectorLayout(List.of(new TensorSpec("0_W", List.of(4L), 0, 4)));
    store.write(
        manifest("h5", fingerprint, small, new VectorLayout(List.of()), 10),
        new float[] {1f, Float.NaN, 0f, 0f},
        new float[0]);
    StoredVector h5 =
        store.list(fingerprint).stream()
            .filter(v -> v.manifest().hospital().equals("h5"))
            .findFirst()
            .orElseThrow();
    assertThatThrownBy(() -> VectorSum.sum(store, List.of(h5), small))
        .hasMessageContaining("element 1 is NaN")
        .hasMessageContaining("hospital=h5");
  }

  @Test
  void layoutMismatchIsRefused() {
    VectorStore store = store();
    StoredVector h6 = publish(store, "h6");
    VectorLayout other = new VectorLayout(List.of(new TensorSpec("0_W", List.of(4L), 0, 4)));
    assertThatThrownBy(() -> VectorSum.sum(store, List.of(h6), other))
        .hasMessageContaining("parameter layout")
        .hasMessageContaining("hospital=h6");
  }

  static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
