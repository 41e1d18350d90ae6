package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigException;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.io.SimpleParquet;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.store.BaseManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on real JPEGs in the {@code ROOT/SPLIT/CLASS/*} layout, with {@code
 * conf/pipeline.yaml} and only the data path and the output root set (what {@code bin/medvec
 * pipeline --data ROOT} runs): size and channels come from the data, class names from the folders,
 * and the base model's preprocessing binds every later job.
 */
class ImageFolderPipelineIT {

  /** Three ISIC classes with 16 test images each, 40 train images of each. */
  static final List<String> CLASSES =
      List.of("actinic_keratosis", "basal_cell_carcinoma", "dermatofibroma");

  @TempDir static Path tmp;
  static Path root;
  static Path out;
  static RunPipelineJob.Result result;

  /** ROOT/SPLIT/CLASS/* of symbolic links to the shared files (never copies). */
  static Path linkedFolder(Path dir, int trainPerClass, int testPerClass) throws IOException {
    Path isic = SparkTests.sharedData().resolve("isic-skin");
    for (String c : CLASSES) {
      link(isic.resolve("train").resolve(c), dir.resolve("train").resolve(c), trainPerClass);
      link(isic.resolve("test").resolve(c), dir.resolve("test").resolve(c), testPerClass);
    }
    return dir;
  }

  private static void link(Path from, Path to, int n) throws IOException {
    Files.createDirectories(to);
    List<Path> files;
    try (Stream<Path> s = Files.list(from)) {
      files = s.sorted().limit(n).toList();
    }
    for (Path f : files) {
      Files.createSymbolicLink(to.resolve(f.getFileName()), f);
    }
  }

  static ConfigMap config(String... overrides) {
    List<String> all = new ArrayList<>(List.of("data.path=" + root, "out=" + out));
    all.addAll(List.of(overrides));
    return ConfigMap.load(Path.of("..", "conf", "pipeline.yaml")).withOverrides(all);
  }

  @BeforeAll
  static void runPipeline() throws IOException {
    root = linkedFolder(tmp.resolve("isic3"), 40, 16);
    out = tmp.resolve("out");
    ConfigMap map = config();
    RunPipelineJob.Config config = RunPipelineJob.Config.from(map);
    map.rejectUnknown();
    result = new RunPipelineJob(SparkTests.spark(), config).run();
  }

  @Test
  void theBaseManifestRecordsThePreprocessingFromTheDataAndTheFolderNames() {
    Configuration conf = new Configuration();
    BaseManifest manifest =
        BaseManifest.read(
            conf,
            HadoopFiles.qualify(
                conf, out.resolve("base").resolve(result.pretrain().fingerprint()).toString()));
    // 180x180 RGB JPEGs: 64x64 (the largest side taken from the data), RGB from the first image
    assertThat(manifest.preprocessing())
        .isEqualTo(Preprocessing.unit(64, Preprocessing.Channels.RGB));
    assertThat(manifest.classes()).isEqualTo(CLASSES);
  }

  @Test
  void everyVectorManifestNamesTheClassesOfItsLabelCounts() throws IOException {
    List<Path> manifests;
    try (Stream<Path> s = Files.walk(out.resolve("vectors"))) {
      manifests = s.filter(p -> p.getFileName().toString().equals("manifest.json")).toList();
    }
    assertThat(manifests).hasSize(4);
    for (Path m : manifests) {
      JsonNode node = Json.readTree(Files.readString(m), m.toString());
      List<String> classes = new ArrayList<>();
      node.get("classes").forEach(c -> classes.add(c.asText()));
      assertThat(classes).as(m.toString()).isEqualTo(CLASSES);
      assertThat(node.get("label_counts")).hasSize(3);
    }
  }

  @Test
  void perClassMetricRowsCarryTheClassNameBesideTheIndex() throws IOException {
    Configuration conf = new Configuration();
    List<Path> files;
    try (Stream<Path> s = Files.list(out.resolve("metrics/run_id=default"))) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
    }
    List<Map<String, Object>> rows =
        files.stream()
            .flatMap(
                f -> SimpleParquet.read(conf, HadoopFiles.qualify(conf, f.toString())).stream())
            .toList();
    // pretrained, 4 single sites, merged x val and test x (3 model metrics + 3 classes x 3)
    assertThat(rows).hasSize(6 * 2 * (3 + 3 * 3));
    assertThat(rows)
        .allSatisfy(
            r -> {
              Object label = r.get("label");
              Object name = r.get("class_name");
              if (label == null) {
                assertThat(name).isNull();
              } else {
                assertThat(name).isEqualTo(CLASSES.get((Integer) label));
              }
            });
    assertThat(rows).allSatisfy(r -> assertThat(r.get("dataset")).isEqualTo("isic3"));
    assertThat(RunPipelineJob.table(result.evaluate().rows())).contains("merged");
  }

  @Test
  void aFineTuneSettingAnotherImageSizeThanTheBaseIsRefusedNamingTheKey() {
    String fp = result.pretrain().fingerprint();
    ConfigMap map = config("data.image.size=32", "base=" + fp);
    FineTuneVectorsJob.Config config = FineTuneVectorsJob.Config.from(map);
    assertThatThrownBy(() -> new FineTuneVectorsJob(SparkTests.spark(), config).run())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Cannot use config key 'data.image.size'")
        .hasMessageContaining("width = 64")
        .hasMessageContaining("(32)")
        .satisfies(e -> assertThat(ExitCode.of(e).code()).isEqualTo(2));
  }

  /**
   * {@code bin/medvec pipeline --data ../shared/data/ham10000_sample70}: 70 full-size JPEGs in
   * {@code ROOT/CLASS/*} (no split folders), 7 classes of 10. conf/pipeline.yaml asks for 4
   * hospitals of at least 20 images; after the carved val and test splits and a public pool of one
   * image per class, 49 are left, so the run simulates 2 hospitals and says so.
   */
  @Test
  void theSmallHamFolderRunsWithConfPipelineAloneOnTheHospitalsItCanGive() {
    Path ham = SparkTests.sharedData().resolve("ham10000_sample70");
    ConfigMap map =
        ConfigMap.load(Path.of("..", "conf", "pipeline.yaml"))
            .withOverrides(List.of("data.path=" + ham, "out=" + tmp.resolve("ham-out")));
    RunPipelineJob.Config config = RunPipelineJob.Config.from(map);
    map.rejectUnknown();
    RunPipelineJob.Result ham70 = new RunPipelineJob(SparkTests.spark(), config).run();
    assertThat(ham70.merge().vectors()).extracting(v -> v.hospital()).containsExactly("h0", "h1");
    assertThat(ham70.evaluate().rows())
        .filteredOn(r -> r.modelKind().equals("merged") && r.metric().equals("recall"))
        .extracting(EvaluateModelsJob.MetricRow::className)
        .containsOnly("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc");
    // the same folder with shrink-to-fit off is refused, naming what fits
    ConfigMap strict =
        ConfigMap.load(Path.of("..", "conf", "pipeline.yaml"))
            .withOverrides(
                List.of(
                    "data.path=" + ham,
                    "out=" + tmp.resolve("ham-strict"),
                    "partition.shrink-to-fit=false"));
    assertThatThrownBy(
            () ->
                new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(strict))
                    .run())
        .hasMessageContaining("4 hospitals x minPerHospital 20 exceeds the 49 left")
        .hasMessageContaining("at most 2 hospital(s) of that size fit")
        .satisfies(e -> assertThat(ExitCode.of(e)).isEqualTo(ExitCode.BAD_INPUT));
  }
}
