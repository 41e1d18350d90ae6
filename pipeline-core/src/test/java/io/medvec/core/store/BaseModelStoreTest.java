package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.TestData;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.KerasImport;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.VectorStore;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseModelStoreTest {

  private final Configuration conf = new Configuration();
  @TempDir java.nio.file.Path dir;

  private BaseModelStore store() {
    return new BaseModelStore(conf, new OutputLayout(new Path(dir.toUri()), "r1"));
  }

  @Test
  void publishedModelLoadsBackWithItsFingerprintAndManifest() {
    MultiLayerNetwork net = StoreFixtures.network(1);
    String fingerprint = store().publish(net, Map.of("dataset", "pneumoniamnist"));
    assertThat(fingerprint).isEqualTo(Fingerprint.of(net));
    assertThat(store().modelFile(fingerprint).toString())
        .endsWith("/base/" + fingerprint + "/model.zip");
    assertThat(Fingerprint.of(store().load(fingerprint))).isEqualTo(fingerprint);
    assertThat(store().bytes(fingerprint))
        .isEqualTo(ModelIO.readBytes(conf, store().modelFile(fingerprint)));
    Path manifest = new Path(store().modelFile(fingerprint).getParent(), VectorStore.MANIFEST_FILE);
    assertThat(
            Json.readTree(HadoopFiles.readString(conf, manifest), "manifest")
                .get("fingerprint")
                .asText())
        .isEqualTo(fingerprint);
  }

  @Test
  void anImportedGraphIsPublishedAndLoadedWithItsInputContract() {
    KerasImport.Imported imported =
        KerasImport.load(TestData.sharedModels().resolve("resnet8-cifar10.h5"), PixelScale.BYTE);
    Network base = KerasImport.withHead(imported.network(), 9, "batch_normalization", 1e-3, 7);
    String fingerprint =
        store()
            .publish(
                base,
                Map.of(
                    "dataset",
                    "isic-skin",
                    BaseModelStore.INPUT_CONTRACT,
                    imported.contract().fields()));
    assertThat(fingerprint).isEqualTo(Fingerprint.of(base));
    Network read = store().load(fingerprint);
    assertThat(read.isGraph()).isTrue();
    assertThat(read.inputScale()).isEqualTo(PixelScale.BYTE);
    assertThat(Fingerprint.of(read)).isEqualTo(fingerprint);
    assertThat(ParamVectors.layout(read, ParamKind.FROZEN))
        .isEqualTo(ParamVectors.layout(base, ParamKind.FROZEN));
    Path manifest = new Path(store().modelFile(fingerprint).getParent(), VectorStore.MANIFEST_FILE);
    com.fasterxml.jackson.databind.JsonNode contract =
        Json.readTree(HadoopFiles.readString(conf, manifest), "manifest")
            .get(BaseModelStore.INPUT_CONTRACT);
    assertThat(contract.get("height").asInt()).isEqualTo(32);
    assertThat(contract.get("channels").asInt()).isEqualTo(3);
    assertThat(contract.get("layout").asText()).isEqualTo("NHWC");
    assertThat(contract.get("scale").asText()).isEqualTo("byte");

    MultiLayerNetwork cnn = StoreFixtures.network(1);
    String cnnFingerprint = store().publish(cnn, Map.of("dataset", "pneumoniamnist"));
    Network cnnRead = store().load(cnnFingerprint);
    assertThat(cnnRead.isGraph()).isFalse();
    assertThat(cnnRead.inputScale()).isEqualTo(PixelScale.UNIT);
    assertThat(ModelIO.toBytes(cnnRead)).isEqualTo(ModelIO.toBytes(cnn));
  }

  @Test
  void missingBaseIsRefusedNamingItsDirectory() {
    String fingerprint = "0".repeat(64);
    assertThatThrownBy(() -> store().load(fingerprint))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot find base model " + fingerprint)
        .hasMessageContaining("/base/" + fingerprint + " is missing or incomplete");
  }

  @Test
  void modelWithAnotherFingerprintIsRefusedNamingTheSource() {
    byte[] bytes = ModelIO.toBytes(StoreFixtures.network(2));
    String expected = "f".repeat(64);
    assertThatThrownBy(() -> BaseModelStore.decode(bytes, expected, "base copy", PixelScale.UNIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot use base model base copy: its fingerprint is ")
        .hasMessageEndingWith("expected " + expected);
  }

  @Test
  void runFingerprintIsWhatThePretrainResultRecorded() {
    OutputLayout layout = new OutputLayout(new Path(dir.toUri()), "r1");
    HadoopFiles.writeStringAtomically(
        conf,
        layout.result(BaseModelStore.STAGE),
        Json.write(Map.of("fingerprint", "ab".repeat(32), "parameters", 42)));
    assertThat(store().runFingerprint()).isEqualTo("ab".repeat(32));
  }
}
