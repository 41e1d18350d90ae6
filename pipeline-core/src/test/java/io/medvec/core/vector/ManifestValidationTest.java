package io.medvec.core.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.privacy.DpRelease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A manifest is untrusted input: every field a reader uses is checked, and the error names the
 * manifest file and the field.
 */
class ManifestValidationTest {

  static final String BASE = "ab".repeat(32);
  static final VectorLayout LAYOUT =
      new VectorLayout(List.of(new TensorSpec("0_W", List.of(2L, 3L), 0, 6)));
  static final VectorLayout BN =
      new VectorLayout(List.of(new TensorSpec("1_mean", List.of(2L), 0, 2)));

  private final Configuration conf = new Configuration();
  @TempDir Path dir;
  private VectorStore store;
  private StoredVector written;

  @BeforeEach
  void publish() {
    store = new VectorStore(conf, HadoopFiles.qualify(conf, dir.resolve("vectors").toString()));
    VectorManifest m =
        new VectorManifest(
            VectorManifest.FORMAT,
            "h0",
            "pneumoniamnist",
            "run-1",
            BASE,
            10,
            List.of(6L, 4L),
            LAYOUT,
            BN,
            new TrainingInfo(1, 8, 1e-3, 1, 0.5, 1),
            null,
            null,
            null,
            null,
            Instant.EPOCH.toString());
    written = store.write(m, new float[] {1, 2, 3, 4, 5, 6}, new float[] {0.5f, 0.25f});
  }

  private Path manifestFile() {
    return dir.resolve("vectors/base=" + BASE + "/hospital=h0/manifest.json");
  }

  /** Edits the manifest as a tool outside Hadoop would (no .crc to match). */
  private void edit(Consumer<ObjectNode> change) throws IOException {
    Path file = manifestFile();
    ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(Files.readString(file));
    change.accept(tree);
    Files.writeString(file, tree.toPrettyString());
    Files.deleteIfExists(file.resolveSibling(".manifest.json.crc"));
  }

  private StoredVector open() {
    return store.open(written.dir(), BASE);
  }

  @Test
  void theWrittenManifestIsValid() {
    assertThat(open().manifest()).isEqualTo(written.manifest());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../hospital=h1/vector.parquet",
        "/etc/passwd",
        "file:///tmp/vector.parquet",
        "hdfs://nn:8020/elsewhere/vector.parquet",
        "sub/vector.parquet",
        "..",
        ".hidden",
        "C:\\\\x"
      })
  void aFileNameOutsideTheManifestsDirectoryIsRefused(String name) throws IOException {
    edit(t -> t.put("vector_file", name));
    assertThatThrownBy(this::open)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(manifestFile().toString())
        .hasMessageContaining("field vector_file must name a file in the manifest's own directory")
        .hasMessageContaining("(" + name + ")");
    edit(t -> t.put("vector_file", "vector.parquet").put("bn_stats_file", name));
    assertThatThrownBy(this::open).hasMessageContaining("field bn_stats_file");
  }

  @Test
  void everyFieldIsCheckedNamingTheFileAndTheField() throws IOException {
    record Case(String field, Consumer<ObjectNode> edit, String message) {}
    List<Case> cases =
        List.of(
            new Case("examples", t -> t.put("examples", 0), "invalid examples (0)"),
            new Case("examples", t -> t.put("examples", "many"), "field examples:"),
            new Case("examples", t -> t.put("examples", 2.5), "field examples:"),
            new Case(
                "label_counts",
                t -> t.putArray("label_counts").add(5).add(-5).add(10),
                "label_counts"),
            new Case(
                "hospital reserved",
                t -> t.put("hospital", "Public"),
                "field hospital: hospital id 'Public' is reserved (the coordinator's public pool"),
            new Case("hospital syntax", t -> t.put("hospital", "h/0"), "invalid hospital (h/0)"),
            new Case(
                "base_fingerprint",
                t -> t.put("base_fingerprint", "ab"),
                "invalid base_fingerprint (ab)"),
            new Case(
                "training.epochs",
                t -> ((ObjectNode) t.get("training")).put("epochs", 0),
                "field training.epochs"),
            new Case(
                "training.batch_size",
                t -> ((ObjectNode) t.get("training")).put("batch_size", -8),
                "field training.batch_size"),
            new Case("bn_stats_layout", t -> t.remove("bn_stats_layout"), "bn_stats_layout"),
            new Case("dataset", t -> t.put("dataset", "../x"), "field dataset"),
            new Case("run_id", t -> t.putNull("run_id"), "field run_id"),
            new Case("vector_sha256", t -> t.put("vector_sha256", "XYZ"), "field vector_sha256"),
            new Case("bn_stats_sha256", t -> t.remove("bn_stats_sha256"), "field bn_stats_sha256"),
            new Case("created_at", t -> t.put("created_at", "yesterday"), "field created_at"),
            new Case(
                "training.learning_rate",
                t -> ((ObjectNode) t.get("training")).put("learning_rate", "NaN"),
                "field training.learning_rate"),
            new Case(
                "training.final_loss",
                t -> ((ObjectNode) t.get("training")).put("final_loss", "Infinity"),
                "field training.final_loss"),
            new Case(
                "training.threads",
                t -> ((ObjectNode) t.get("training")).put("threads", 0),
                "field training.threads"),
            new Case("training", t -> t.remove("training"), "field training"),
            new Case(
                "layout tensor name",
                t -> tensor(t, "layout").put("name", "0_W/../x"),
                "field layout.tensors[0].name"),
            new Case(
                "layout offsets",
                t -> tensor(t, "layout").put("offset", 3),
                "tensor 0_W starts at 3"),
            new Case(
                "layout shape type",
                t -> tensor(t, "layout").putArray("shape").add("two").add(3),
                "field layout.tensors[0].shape[0]"),
            new Case("unknown field", t -> t.put("extra", 1), "extra"),
            new Case("format", t -> t.put("format", "v0"), "invalid format (v0)"));
    for (Case c : cases) {
      publish();
      edit(c.edit());
      assertThatThrownBy(this::open)
          .as(c.field())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(manifestFile().toString())
          .hasMessageContaining(c.message());
    }
  }

  @Test
  void aPrivacyRecordOutOfRangeIsRefused() throws IOException {
    DpRelease ok = new DpRelease("gaussian", "rdp", 1, 1.1, 1.1, 1e-5, 1, 3.2, "secret", "base");
    for (String[] bad :
        new String[][] {
          {"epsilon", "-1"}, {"delta", "1.5"}, {"sigma", "0"}, {"noise_seed", "\"leaked\""}
        }) {
      publish();
      edit(
          t -> {
            ObjectNode p = (ObjectNode) Json.tree(ok);
            p.set(bad[0], readValue(bad[1]));
            t.set("privacy", p);
          });
      assertThatThrownBy(this::open)
          .as(bad[0])
          .hasMessageContaining(manifestFile().toString())
          .hasMessageContaining("privacy");
    }
  }

  private static ObjectNode tensor(ObjectNode manifest, String layout) {
    return (ObjectNode) manifest.get(layout).get("tensors").get(0);
  }

  private static JsonNode readValue(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
