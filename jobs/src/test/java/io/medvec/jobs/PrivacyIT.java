package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.data.ImageSet;
import io.medvec.core.data.NpzReader;
import io.medvec.core.io.FloatChunkFile;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
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
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".crc")).toList();
    }
  }

  @Test
  void eachHospitalPublishesOnlyItsVectorStatisticsAndManifest() throws Exception {
    for (HospitalFineTune.Outcome o : fx.result.finetune().hospitals()) {
      Path dir = fx.vectorDir(fx.out, o.hospital());
      assertThat(files(dir)).extracting(p -> p.getFileName().toString())
          .containsExactlyInAnyOrder("vector.parquet", "bn-stats.parquet", "manifest.json", "_SUCCESS");
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
    assertThat(containsAny(inflateNpz(), rows)).as("the scan finds an image in the npz itself").isTrue();
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
        float[] values = FloatChunkFile.readAll(conf, HadoopFiles.qualify(conf, dir.resolve(name).toString()));
        assertThat((long) values.length).as(name).isLessThan(layoutSize).isNotEqualTo(o.examples());
      }
      JsonNode manifest = Json.readTree(Files.readString(dir.resolve("manifest.json")), "manifest");
      assertThat(fieldNames(manifest)).containsExactlyInAnyOrder("format", "hospital", "dataset", "run_id",
          "base_fingerprint", "examples", "label_counts", "layout", "bn_stats_layout", "training", "vector_file",
          "vector_sha256", "bn_stats_file", "bn_stats_sha256", "created_at");
      assertThat(manifest.get("examples").asLong()).isEqualTo(o.examples());
      assertThat(manifest.get("label_counts")).hasSize(2); // one count per class
      assertThat((long) longestArray(manifest)).isLessThan(o.examples());
    }
    JsonNode result = Json.readTree(Files.readString(fx.out.resolve("runs/fix/finetune.json")), "finetune.json");
    assertThat((long) longestArray(result)).isLessThan(fx.result.finetune().hospitals().get(0).examples());
    assertThat(fieldNames(result.get("hospitals").get(0))).containsExactlyInAnyOrder("hospital", "examples",
        "label_counts", "final_loss", "seconds", "examples_per_second", "vector", "vector_sha256",
        "device"); // the device the task ran on (GpuBinding): aggregate, not per example
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
    fx.editNpz("privacy-scan", e -> {
      entries.putAll(e);
      return e;
    });
    return entries.get("train_images.npy");
  }

  static boolean containsAny(byte[] haystack, List<byte[]> needles) {
    for (byte[] needle : needles) {
      for (int i = 0; i + needle.length <= haystack.length; i++) {
        if (haystack[i] == needle[0] && Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
          return true;
        }
      }
    }
    return false;
  }
}
