package io.medvec.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Fingerprint;
import io.medvec.core.model.ModelIO;
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
    assertThatThrownBy(() -> BaseModelStore.decode(bytes, expected, "base copy"))
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
