package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.NpzReader;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.ModelIO;
import io.medvec.core.privacy.DpRelease;
import io.medvec.core.privacy.GaussianMechanism;
import io.medvec.core.vector.IncompatibleVectorException;
import io.medvec.core.vector.ParamKind;
import io.medvec.core.vector.ParamVectors;
import io.medvec.core.vector.StoredVector;
import io.medvec.core.vector.VectorStore;
import io.medvec.jobs.spark.JobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Only the vector, its manifest and aggregate counts leave a fine-tune: no image bytes, no
 * per-example record (nothing with one row or one entry per training example).
 */
class PrivacyIT {

  static RobustFixture fx;
  static List<Path> outputs;

  @BeforeAll
  static void fixture() throws Exception {
    fx = RobustFixture.get();
    outputs = new ArrayList<>(files(fx.out.resolve("vectors")));
    outputs.add(fx.out.resolve("runs/fix/finetune.json"));
  }

  static List<Path> files(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(".crc"))
          .toList();
    }
  }

  @Test
  void eachHospitalPublishesOnlyItsVectorStatisticsAndManifest() throws Exception {
    for (HospitalFineTune.Outcome o : fx.result.finetune().hospitals()) {
      Path dir = fx.vectorDir(fx.out, o.hospital());
      assertThat(files(dir))
          .extracting(p -> p.getFileName().toString())
          .containsExactlyInAnyOrder(
              "vector.parquet", "bn-stats.parquet", "manifest.json", "_SUCCESS");
    }
    assertThat(outputs).hasSize(3 * 4 + 1);
  }

  @Test
  void noOutputContainsAnImageOfAnyHospital() throws Exception {
    ImageSet train = NpzReader.read(fx.data).train();
    int rowBytes = train.imageSize();
    List<byte[]> rows = new ArrayList<>();
    for (int i = 0; i < train.size(); i++) {
      byte[] row = new byte[rowBytes];
      float[] pixels = train.subset(new int[] {i}).pixels();
      for (int p = 0; p < rowBytes; p++) {
        row[p] = (byte) Math.round(pixels[p] * 255f);
      }
      rows.add(row);
    }
    assertThat(containsAny(inflateNpz(), rows))
        .as("the scan finds an image in the npz itself")
        .isTrue();
    for (Path file : outputs) {
      assertThat(containsAny(Files.readAllBytes(file), rows)).as(file.toString()).isFalse();
    }
  }

  @Test
  void noOutputHasOneRecordPerExample() throws Exception {
    Configuration conf = new Configuration();
    long layoutSize = fx.result.pretrain().parameters();
    for (HospitalFineTune.Outcome o : fx.result.finetune().hospitals()) {
      Path dir = fx.vectorDir(fx.out, o.hospital());
      for (String name : List.of("vector.parquet", "bn-stats.parquet")) {
        float[] values =
            FloatChunkFile.readAll(conf, HadoopFiles.qualify(conf, dir.resolve(name).toString()));
        assertThat((long) values.length).as(name).isLessThan(layoutSize).isNotEqualTo(o.examples());
      }
      JsonNode manifest = Json.readTree(Files.readString(dir.resolve("manifest.json")), "manifest");
      assertThat(fieldNames(manifest))
          .containsExactlyInAnyOrder(
              "format",
              "hospital",
              "dataset",
              "run_id",
              "base_fingerprint",
              "examples",
              "label_counts",
              "layout",
              "bn_stats_layout",
              "training",
              "vector_file",
              "vector_sha256",
              "bn_stats_file",
              "bn_stats_sha256",
              "created_at",
              "privacy",
              "classes"); // the base's class names, one per class: nothing per example
      assertThat(manifest.get("classes")).hasSize(2);
      assertThat(manifest.get("privacy").isNull()).as("no differential privacy asked for").isTrue();
      assertThat(manifest.get("examples").asLong()).isEqualTo(o.examples());
      assertThat(manifest.get("label_counts")).hasSize(2); // one count per class
      assertThat((long) longestArray(manifest)).isLessThan(o.examples());
    }
    JsonNode result =
        Json.readTree(Files.readString(fx.out.resolve("runs/fix/finetune.json")), "finetune.json");
    assertThat((long) longestArray(result))
        .isLessThan(fx.result.finetune().hospitals().get(0).examples());
    assertThat(fieldNames(result.get("hospitals").get(0)))
        .containsExactlyInAnyOrder(
            "hospital",
            "examples",
            "label_counts",
            "final_loss",
            "seconds",
            "examples_per_second",
            "vector",
            "vector_sha256",
            "device"); // the device the task ran on (GpuBinding): aggregate, not per example
  }

  /** Fine-tunes hospital h0 of the fixture into {@code out} under differential privacy. */
  static HospitalFineTune.Outcome releaseH0(Path out, String... dp) {
    List<String> overrides =
        new ArrayList<>(
            List.of(
                "finetune.hospitals=[h0]",
                "finetune.dp.enabled=true",
                "finetune.dp.clip-norm=0.05",
                "finetune.dp.epsilon=10"));
    overrides.addAll(List.of(dp));
    var map = fx.config(out, overrides.toArray(String[]::new));
    return new FineTuneVectorsJob(SparkTests.spark(), FineTuneVectorsJob.Config.from(map))
        .run()
        .hospitals()
        .get(0);
  }

  @Test
  void aPrivateReleaseIsAccountedPublishesTheBaseStatisticsAndCountsRepeatedReleases()
      throws Exception {
    Path out = fx.copyOut("dp-release");
    RobustFixture.deleteTree(out.resolve("vectors"));
    Configuration conf = new Configuration();
    VectorStore store =
        new VectorStore(conf, HadoopFiles.qualify(conf, out.resolve("vectors").toString()));

    releaseH0(out, "finetune.dp.noise-seed=7");
    StoredVector first = store.find(fx.fingerprint(), "h0").orElseThrow();
    DpRelease release = first.manifest().privacy();
    GaussianMechanism mechanism =
        new GaussianMechanism(0.05, GaussianMechanism.noiseMultiplierFor(10, 1e-5));
    assertThat(release)
        .isEqualTo(
            new DpRelease(
                "gaussian",
                "rdp",
                0.05,
                mechanism.noiseMultiplier(),
                mechanism.sigma(),
                1e-5,
                1,
                mechanism.epsilon(1e-5, 1),
                "fixed",
                "base"));
    assertThat(release.epsilon()).isCloseTo(10, within(1e-6));
    // nothing of the hospital's activations: the statistics are θ_pre's own
    MultiLayerNetwork base =
        ModelIO.fromBytes(
            new JobContext(SparkTests.spark(), CommonConfig.from(fx.config(out)))
                .baseModels()
                .bytes(fx.fingerprint()),
            "base");
    assertThat(store.readBnStats(first))
        .containsExactly(
            ParamVectors.flatten(base, ParamVectors.layout(base, ParamKind.BN_STATISTIC)));
    // and not the fine-tuned statistics the clean run published
    StoredVector clean =
        new VectorStore(conf, HadoopFiles.qualify(conf, fx.out.resolve("vectors").toString()))
            .find(fx.fingerprint(), "h0")
            .orElseThrow();
    assertThat(first.manifest().bnStatsSha256()).isNotEqualTo(clean.manifest().bnStatsSha256());
    assertThat(first.manifest().vectorSha256()).isNotEqualTo(clean.manifest().vectorSha256());

    releaseH0(out, "finetune.dp.noise-seed=7");
    StoredVector again = store.find(fx.fingerprint(), "h0").orElseThrow();
    assertThat(again.manifest().vectorSha256()).isEqualTo(first.manifest().vectorSha256());
    assertThat(again.manifest().privacy().releases())
        .as("an identical rerun releases nothing new")
        .isEqualTo(1);

    releaseH0(out, "finetune.dp.noise-seed=8");
    DpRelease second = store.find(fx.fingerprint(), "h0").orElseThrow().manifest().privacy();
    assertThat(second.releases()).isEqualTo(2);
    assertThat(second.epsilon())
        .isCloseTo(mechanism.epsilon(1e-5, 2), within(1e-9))
        .isGreaterThan(10);

    releaseH0(out); // a secret seed: fresh noise, so a third release
    DpRelease third = store.find(fx.fingerprint(), "h0").orElseThrow().manifest().privacy();
    assertThat(third.releases()).isEqualTo(3);
    assertThat(third.noiseSeed()).isEqualTo("secret");
    // only public settings and the guarantee: no pre-clip norm, no clipping flag, no seed value
    JsonNode privacy =
        Json.readTree(
                Files.readString(fx.vectorDir(out, "h0").resolve("manifest.json")), "manifest")
            .get("privacy");
    assertThat(fieldNames(privacy))
        .containsExactlyInAnyOrder(
            "mechanism",
            "accountant",
            "clip_norm",
            "noise_multiplier",
            "sigma",
            "delta",
            "releases",
            "epsilon",
            "noise_seed",
            "bn_stats");
  }

  @Test
  void aPrivateReleaseIsRefusedWhereTheSameDataWasAlreadyReleasedWithoutIt() {
    Path out = fx.copyOut("dp-after-clean");
    var before = RobustFixture.snapshot(out.resolve("vectors"));
    assertThatThrownBy(() -> releaseH0(out))
        .isInstanceOf(IncompatibleVectorException.class)
        .hasMessageContaining("hospital h0")
        .hasMessageContaining("released without it")
        .hasMessageContaining("hospital=h0");
    assertThat(RobustFixture.snapshot(out.resolve("vectors"))).isEqualTo(before);
  }

  @Test
  void privacyKeysWithoutPrivacyAreRefusedNamingTheKey() {
    Path out = fx.copyOut("dp-off");
    assertThatThrownBy(
            () -> FineTuneVectorsJob.Config.from(fx.config(out, "finetune.dp.epsilon=1")))
        .hasMessageContaining("finetune.dp.epsilon")
        .hasMessageContaining("enabled");
    assertThatThrownBy(
            () ->
                FineTuneVectorsJob.Config.from(
                    fx.config(
                        out,
                        "finetune.dp.enabled=true",
                        "finetune.dp.clip-norm=1",
                        "finetune.dp.epsilon=1",
                        "finetune.dp.noise-multiplier=2")))
        .hasMessageContaining("exactly one");
  }

  static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new java.util.TreeSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static int longestArray(JsonNode node) {
    int longest = node.isArray() ? node.size() : 0;
    for (JsonNode child : node) {
      longest = Math.max(longest, longestArray(child));
    }
    return longest;
  }

  byte[] inflateNpz() throws Exception {
    Map<String, byte[]> entries = new java.util.HashMap<>();
    fx.editNpz(
        "privacy-scan",
        e -> {
          entries.putAll(e);
          return e;
        });
    return entries.get("train_images.npy");
  }

  static boolean containsAny(byte[] haystack, List<byte[]> needles) {
    for (byte[] needle : needles) {
      for (int i = 0; i + needle.length <= haystack.length; i++) {
        if (haystack[i] == needle[0]
            && Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
          return true;
        }
      }
    }
    return false;
  }
}
