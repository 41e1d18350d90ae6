package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.HadoopFiles;
import io.medvec.core.io.Json;
import io.medvec.core.model.Network;
import io.medvec.core.model.NetworkFactory;
import io.medvec.core.model.NetworkSpec;
import io.medvec.core.source.Preprocessing;
import io.medvec.core.store.MergedModelStore;
import io.medvec.core.store.ModelCard;
import io.medvec.core.store.OutputLayout;
import io.medvec.core.store.PredictionsTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The predict job on real images: a PneumoniaMNIST .npz and the isic-skin test folder (180x180 RGB
 * JPEGs, 9 classes) scored by merged models published as the pipeline publishes them. The tables
 * are also left under {@code target/predict-it/} for the DuckDB and pandas check of {@code
 * .ci/run}.
 */
class PredictIT {

  static final List<String> ISIC_CLASSES =
      List.of(
          "actinic_keratosis",
          "basal_cell_carcinoma",
          "dermatofibroma",
          "melanoma",
          "nevus",
          "pigmented_benign_keratosis",
          "seborrheic_keratosis",
          "squamous_cell_carcinoma",
          "vascular_lesion");

  private final Configuration conf = new Configuration();
  @TempDir Path dir;

  /** θ_pre and a merged model in an output tree under {@code root}; returns the merged dir. */
  private Path publish(Path root, MultiLayerNetwork net, Map<String, ?> baseFields) {
    OutputLayout layout = new OutputLayout(new org.apache.hadoop.fs.Path(root.toUri()), "r1");
    return Path.of(
        new MergedModelStore(conf, layout).publishUnmerged(Network.of(net), baseFields).toUri());
  }

  private Path pneumoniaModel(Path root) {
    MultiLayerNetwork net =
        NetworkFactory.build(new NetworkSpec(1, 28, 28, 2, List.of(4), 3, true, 8, 1e-3, 3));
    return publish(root, net, Map.of("dataset", "pneumoniamnist"));
  }

  private Path isicModel(Path root) {
    MultiLayerNetwork net =
        NetworkFactory.build(new NetworkSpec(3, 28, 28, 9, List.of(4), 3, true, 8, 1e-3, 4));
    Path merged = publish(root, net, Map.of());
    HadoopFiles.writeStringAtomically(
        conf,
        new org.apache.hadoop.fs.Path(merged.resolve(ModelCard.JSON_FILE).toUri()),
        Json.write(
            Map.of(
                "classes",
                ISIC_CLASSES,
                "preprocessing",
                Preprocessing.unit(28, Preprocessing.Channels.RGB).canonical())));
    return merged;
  }

  private PredictJob.Result predict(Path model, Path data, Path table, String... more) {
    List<String> overrides = new ArrayList<>(List.of(more));
    overrides.add("predict.model=" + model);
    overrides.add("data.path=" + data);
    overrides.add("predict.out=" + table);
    overrides.add("run-id=p1");
    overrides.add("predict.partitions=3");
    ConfigMap map = ConfigMap.empty().withOverrides(overrides);
    return new PredictJob(SparkTests.spark(), PredictJob.Config.from(map)).run();
  }

  /** Checks the table's invariants; returns its rows. */
  private List<Row> checkTable(Path table, List<String> classes, long images, String fingerprint) {
    Dataset<Row> df = SparkTests.spark().read().parquet(table.toString());
    List<String> probs = PredictionsTable.probabilityColumns(classes);
    assertThat(df.columns()).contains("image_id", "predicted_class", "model_fingerprint", "run_id");
    assertThat(df.columns()).containsAll(probs);
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize((int) images);
    assertThat(rows.stream().map(r -> r.<String>getAs("image_id")).distinct().count())
        .isEqualTo(images);
    for (Row r : rows) {
      double sum = 0;
      int best = 0;
      for (int i = 0; i < probs.size(); i++) {
        double p = r.<Double>getAs(probs.get(i));
        assertThat(p).isBetween(0.0, 1.0);
        sum += p;
        if (p > r.<Double>getAs(probs.get(best))) {
          best = i;
        }
      }
      assertThat(sum).isCloseTo(1.0, within(1e-5));
      assertThat(r.<String>getAs("predicted_class")).isEqualTo(classes.get(best));
      assertThat(r.<String>getAs("model_fingerprint")).isEqualTo(fingerprint);
      assertThat(r.<String>getAs("run_id")).isEqualTo("p1");
    }
    return rows;
  }

  /** Keeps a copy of the table for .ci/run's DuckDB and pandas reads. */
  private static void keep(Path table, String name, PredictJob.Result result) throws IOException {
    Path target = Path.of("target", "predict-it", name);
    if (Files.exists(target)) {
      try (var old = Files.walk(target)) {
        for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    RobustFixture.copyTree(table, target);
    Files.writeString(target.resolve("expected.json"), Json.write(result));
  }

  @Test
  void predictsEveryImageOfAPneumoniaMnistFile() throws IOException {
    Path npz =
        SparkTests.subset(
            "pneumoniamnist", Files.createDirectories(dir.resolve("data")), 20, 20, 200);
    Path model = pneumoniaModel(dir.resolve("out"));
    Path table = dir.resolve("predictions");
    PredictJob.Result result = predict(model, npz, table);
    assertThat(result.images()).isEqualTo(240);
    assertThat(result.tasks()).isEqualTo(3);
    List<Row> rows = checkTable(table, List.of("0", "1"), 240, result.modelFingerprint());
    assertThat(rows.stream().filter(r -> r.<String>getAs("split").equals("test")).count())
        .isEqualTo(200);
    assertThat(result.predicted().values().stream().mapToLong(Long::longValue).sum())
        .isEqualTo(240);
    keep(table, "pneumonia", result);
  }

  @Test
  void predictsTheIsicTestFolderWithClassNames() throws IOException {
    Path isic = SparkTests.sharedData().resolve("isic-skin/test");
    Path model = isicModel(dir.resolve("out"));
    Path table = dir.resolve("predictions");
    long jpegs;
    try (var files = Files.walk(isic)) {
      jpegs = files.filter(f -> f.toString().endsWith(".jpg")).count();
    }
    PredictJob.Result result = predict(model, isic, table);
    assertThat(result.images()).isEqualTo(jpegs).isGreaterThan(100);
    List<Row> rows = checkTable(table, ISIC_CLASSES, jpegs, result.modelFingerprint());
    assertThat(rows)
        .allSatisfy(r -> assertThat(ISIC_CLASSES).contains(r.<String>getAs("source_class")));
    assertThat(
            rows.stream().filter(r -> r.<String>getAs("source_class").equals("melanoma")).count())
        .isEqualTo(16);
    keep(table, "isic", result);
  }

  private Throwable refused(Path table, Runnable job) throws IOException {
    Files.createDirectories(table);
    Files.writeString(table.resolve("keep.txt"), "existing");
    SortedMap<String, String> before = RobustFixture.snapshot(table);
    Throwable failure = catchThrowable(job::run);
    assertThat(failure).as("the job must refuse").isNotNull();
    assertThat(RobustFixture.snapshot(table)).isEqualTo(before);
    return failure;
  }

  @Test
  void aModelDirectoryWithoutManifestIsRefused() throws IOException {
    Path model = pneumoniaModel(dir.resolve("out"));
    Files.delete(model.resolve("manifest.json"));
    Path npz =
        SparkTests.subset("pneumoniamnist", Files.createDirectories(dir.resolve("data")), 5, 5, 5);
    Throwable failure = refused(dir.resolve("t"), () -> predict(model, npz, dir.resolve("t")));
    assertThat(failure)
        .hasMessageContaining("Cannot load merged model")
        .hasMessageContaining("it has no manifest.json");
    assertThat(ExitCode.of(failure)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void imagesOfAnotherSizeOrChannelsAreRefusedWithoutRecordedPreprocessing() throws IOException {
    Path model = pneumoniaModel(dir.resolve("out"));
    Path isic = SparkTests.sharedData().resolve("isic-skin/test");
    Throwable failure = refused(dir.resolve("t"), () -> predict(model, isic, dir.resolve("t")));
    assertThat(failure)
        .hasMessageContaining("Cannot score image")
        .hasMessageContaining("takes 28x28x1 images and records no preprocessing")
        .hasMessageEndingWith("(180x180x3)");
    assertThat(ExitCode.of(failure)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void aSourceWithAClassTheModelDoesNotHaveIsRefused() throws IOException {
    Path model = isicModel(dir.resolve("out"));
    Path ham = SparkTests.sharedData().resolve("ham10000_sample70");
    Throwable failure = refused(dir.resolve("t"), () -> predict(model, ham, dir.resolve("t")));
    assertThat(failure)
        .hasMessageStartingWith("Cannot predict on image folder")
        .hasMessageContaining(
            "its class 'akiec' is not one of the model's classes ([actinic_keratosis");
    assertThat(ExitCode.of(failure)).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void aJobWithoutModelSourceOrTableIsRefusedAsConfiguration() throws IOException {
    Path npz =
        SparkTests.subset("pneumoniamnist", Files.createDirectories(dir.resolve("data")), 5, 5, 5);
    ConfigMap map =
        ConfigMap.empty()
            .withOverrides(List.of("data.path=" + npz, "predict.out=" + dir.resolve("t")));
    Throwable failure =
        refused(
            dir.resolve("t"),
            () -> new PredictJob(SparkTests.spark(), PredictJob.Config.from(map)).run());
    assertThat(failure)
        .hasMessageStartingWith("Missing config key 'predict.model': set it (--model DIR");
    assertThat(ExitCode.of(failure)).isEqualTo(ExitCode.BAD_CONFIG);
  }
}
