package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.export.Safetensors;
import io.medvec.core.export.TorchExport;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorLayout;
import io.medvec.core.vector.VectorStore;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedModelStoreTest {

  private final Configuration conf = new Configuration();
  @TempDir java.nio.file.Path dir;

  private OutputLayout layout() {
    return new OutputLayout(new Path(dir.toUri()), "r1");
  }

  private MergedModelStore store() {
    return new MergedModelStore(conf, layout());
  }

  /** What the merge job writes: more fields than later stages read. */
  record Written(
      String baseFingerprint,
      String model,
      double lambda,
      List<MergeManifest.UsedVector> vectors,
      List<Map<String, Object>> controls) {}

  @Test
  void publishedMergeReadsBackWithItsVectorsAndControls() {
    MultiLayerNetwork merged = StoreFixtures.network(3);
    MultiLayerNetwork control = StoreFixtures.network(4);
    VectorLayout layout = ParamVectors.layout(merged, ParamKind.TRAINABLE);
    MergeManifest.UsedVector used =
        new MergeManifest.UsedVector("h0", "/v/h0", "abc", 10, "r1", null, null);
    String controlModel = store().controlModelFile("mean").toString();
    store()
        .publishControl(
            "mean",
            Network.of(control),
            Map.of("kind", "mean", "model", controlModel, "lambda", 0.5));
    store()
        .publish(
            Network.of(merged),
            layout,
            new Written(
                "fp",
                store().modelFile().toString(),
                0.5,
                List.of(used),
                List.of(Map.of("kind", "mean", "model", controlModel, "lambda", 0.5))));

    MergeManifest manifest = store().manifest().orElseThrow();
    assertThat(manifest.vectors()).containsExactly(used);
    assertThat(manifest.controls())
        .containsExactly(new MergeManifest.ControlModel("mean", controlModel));
    assertThat(manifest.model()).isEqualTo(store().modelFile().toString());
    assertThat(Fingerprint.of(ModelIO.fromBytes(store().modelBytes(), "merged")))
        .isEqualTo(Fingerprint.of(merged));
    assertThat(
            Fingerprint.of(
                ModelIO.fromBytes(store().controlBytes(manifest.controls().get(0)), "control")))
        .isEqualTo(Fingerprint.of(control));
    Path weights = new Path(layout().mergedDir(), MergedModelStore.WEIGHTS_FILE);
    assertThat(FloatChunkFile.readAll(conf, weights))
        .containsExactly(ParamVectors.flatten(merged, layout));
    assertThat(HadoopFiles.exists(conf, new Path(layout().mergedDir(), VectorStore.BN_STATS_FILE)))
        .isTrue();
    // the PyTorch export beside model.zip holds the merged weights (TorchExportTest runs it)
    Path export = new Path(layout().mergedDir(), TorchExport.FILE);
    try (var in = HadoopFiles.open(conf, export)) {
      Safetensors.Contents contents = Safetensors.read(in, export.toString());
      assertThat(contents.tensor("layers.0.weight").floats())
          .containsExactly(
              org.nd4j.linalg.factory.Nd4j.toFlattened(
                      'c', merged.getLayer(0).getParam("W").transpose())
                  .toFloatVector());
      assertThat(contents.metadata()).containsEntry("medvec.model", "merged");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void noCompleteMergeIsNoManifestAndAMissingModelIsRefusedNamingTheFile() {
    assertThat(store().manifest()).isEmpty();
    assertThatThrownBy(() -> store().modelBytes())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/runs/r1/merged/model.zip");
  }
}
