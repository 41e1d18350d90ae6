package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.Json;
import io.medvec.core.model.ModelIO;
import io.medvec.core.model.Network;
import io.medvec.core.model.PixelScale;
import io.medvec.core.model.Tensors;
import io.medvec.core.serve.MergedModel;
import io.medvec.core.source.DecodedImage;
import io.medvec.core.source.ImageDecoders;
import io.medvec.core.store.BaseModelStore;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.vector.VectorManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A consortium of image folders in one test: the coordinator publishes θ_pre, trained on an {@code
 * ROOT/SPLIT/CLASS/*} folder of real ISIC JPEGs, to store A; two hospitals, each a separate JVM
 * given only store A's base directory and a folder of its own (disjoint ISIC images, under folder
 * names of its own), fine-tune and publish; the coordinator merges what arrived and evaluates on
 * its own folder. Then every file in store A is searched for the hospitals' folder paths and image
 * file names and for 64-byte runs of every hospital JPEG's bytes, and the files the hospitals added
 * are checked to be exactly their vector directories.
 *
 * <p>The consortium standardises its pixels ({@code data.image.scaling: mean-std}): the base
 * records the standardisation as its input contract, the hospitals train with it from the base
 * alone, and the merged model applies it when it scores an image.
 */
class ConsortiumFoldersIT {

  /** Three ISIC classes; every party has images of each. */
  static final List<String> CLASSES =
      List.of("actinic_keratosis", "basal_cell_carcinoma", "dermatofibroma");

  /** Per class, the party's share of the sorted ISIC train and test files: [from, to). */
  record Share(int trainFrom, int trainTo, int testFrom, int testTo) {}

  @TempDir Path tmp;

  @Test
  void hospitalsPublishFromTheirOwnImageFoldersAndNothingOfItReachesTheStore() throws Exception {
    Path storeA = tmp.resolve("store-a");
    Path coordinatorData = folder(tmp.resolve("coordinator/isic3"), new Share(0, 24, 0, 8));
    Map<String, Path> hospitalData = new LinkedHashMap<>();
    hospitalData.put(
        "st-anna", folder(tmp.resolve("anna-site/derm-2026"), new Share(24, 48, 8, 12)));
    hospitalData.put(
        "clinic_b", folder(tmp.resolve("b-site/export-jpeg"), new Share(48, 72, 12, 16)));

    ConfigMap coordinator = coordinatorConfig(storeA, coordinatorData);
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(coordinator)).run();
    String fp =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(coordinator))
            .run()
            .fingerprint();
    Path baseDir = storeA.resolve("base").resolve(fp);
    JsonNode contract =
        Json.readTree(Files.readString(baseDir.resolve("manifest.json")), "base manifest")
            .path(BaseModelStore.INPUT_CONTRACT);
    assertThat(contract.path("scale").asText()).isEqualTo(PixelScale.MEAN_STD);
    assertThat(contract.path("mean").toString()).isEqualTo("[0.7,0.55,0.5]");
    SortedMap<String, String> before = RobustFixture.snapshot(storeA);

    ConsortiumIT.runHospitals(baseDir, hospitalData, 16);

    // what the hospitals added to store A: their vector directories, nothing else
    ConsortiumIT.assertOnlyVectorsAdded(storeA, before, fp, hospitalData.keySet());
    String vectors = "vectors/base=" + fp + "/hospital=";
    for (String hospital : hospitalData.keySet()) {
      Path manifestFile = storeA.resolve(vectors + hospital + "/manifest.json");
      VectorManifest m =
          Json.read(Files.readString(manifestFile), VectorManifest.class, manifestFile.toString());
      assertThat(m.hospital()).isEqualTo(hospital);
      // the train folder's 24 images of each class less the val split carved from it (no val
      // folder: 10 %, stratified, 2 of each class), counted in the base's class order
      assertThat(m.examples()).isEqualTo(66);
      assertThat(m.labelCounts()).containsExactly(22L, 22L, 22L);
      assertThat(Files.readString(manifestFile)).contains(CLASSES.get(2));
    }

    // coordinator: merge what arrived, evaluate on its own folder
    ConfigMap merge = coordinatorConfig(storeA, coordinatorData, "base=" + fp);
    MergeVectorsJob.Result merged =
        new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(merge)).run();
    assertThat(merged.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .containsExactlyInAnyOrder("st-anna", "clinic_b");
    assertMergedModelStandardises(
        storeA.resolve("runs").resolve(ConsortiumIT.RUN).resolve("merged"),
        coordinatorData.resolve("test").resolve(CLASSES.get(0)));
    EvaluateModelsJob.Result evaluated =
        new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(merge)).run();
    assertThat(evaluated.rows())
        .filteredOn(r -> r.split().equals("test") && r.metric().equals("recall"))
        .extracting(EvaluateModelsJob.MetricRow::className)
        .containsOnlyElementsOf(CLASSES);
    assertThat(evaluated.rows())
        .filteredOn(r -> r.split().equals("test") && r.metric().equals("auc") && r.label() == null)
        .extracting(EvaluateModelsJob.MetricRow::modelId)
        .contains("st-anna", "clinic_b", "merged");

    // nothing of the hospitals' folders anywhere in store A: no path, no file name, no JPEG bytes
    List<String> names = new ArrayList<>();
    ConsortiumIT.PixelIndex jpegs = new ConsortiumIT.PixelIndex();
    for (Path root : hospitalData.values()) {
      names.addAll(
          List.of(
              root.getParent().toString(),
              root.getFileName().toString(),
              root.getParent().getFileName().toString()));
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          String file = f.getFileName().toString();
          names.add(file.substring(0, file.lastIndexOf('.'))); // ISIC_0012345
          jpegs.addBytesOf(f);
        }
      }
    }
    assertThat(jpegs.size()).isEqualTo(2 * 3 * (24 + 4));
    ConsortiumIT.assertNothingOf(storeA, names, jpegs, "a hospital JPEG's bytes");
    Path anyImage;
    try (Stream<Path> files = Files.walk(hospitalData.get("clinic_b").resolve("test"))) {
      anyImage = files.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    assertThat(jpegs.firstMatch(Files.readAllBytes(anyImage)))
        .as("the search finds the bytes it looks for")
        .isPresent();
  }

  /**
   * The merged model's scores of a test image equal its network's raw output on the image's [0, 1]
   * pixels standardised here by hand with the consortium's mean and std, and differ from the raw
   * output on the unstandardised pixels.
   */
  private static void assertMergedModelStandardises(Path mergedDir, Path imageDir)
      throws IOException {
    MergedModel merged = MergedModel.load(mergedDir.toAbsolutePath().normalize());
    assertThat(merged.spec().inputScale())
        .isEqualTo(PixelScale.meanStd(List.of(0.7, 0.55, 0.5), List.of(0.15, 0.15, 0.17)));
    Path image;
    try (Stream<Path> files = Files.list(imageDir)) {
      image = files.sorted().findFirst().orElseThrow();
    }
    DecodedImage decoded =
        ImageDecoders.standard().decode(Files.readAllBytes(image), image.toString());
    float[] unit = merged.input("probe", decoded);
    float[] scores = merged.scores(new float[][] {unit});
    float[] mean = {0.7f, 0.55f, 0.5f};
    float[] std = {0.15f, 0.15f, 0.17f};
    int plane = unit.length / 3;
    float[] standardised = new float[unit.length];
    for (int i = 0; i < unit.length; i++) {
      standardised[i] = (unit[i] - mean[i / plane]) / std[i / plane];
    }
    Network raw =
        ModelIO.loadNetwork(
            new org.apache.hadoop.conf.Configuration(),
            new org.apache.hadoop.fs.Path(mergedDir.resolve("model.zip").toUri()),
            PixelScale.UNIT);
    long[] shape = {1, 3, 32, 32};
    float[] byHand = Tensors.toFloats(raw.output(Nd4j.create(standardised, shape, 'c')));
    float[] unstandardised = Tensors.toFloats(raw.output(Nd4j.create(unit, shape, 'c')));
    assertThat(scores).containsExactly(byHand, within(1e-6f));
    assertThat(maxAbsDiff(scores, unstandardised)).isGreaterThan(1e-4f);
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /**
   * {@link ConsortiumIT#coordinatorConfig} at 32×32 RGB standardised per channel, batches of 16,
   * scoring the test folder.
   */
  private static ConfigMap coordinatorConfig(Path store, Path data, String... more) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "data.image.size=32",
                "data.image.channels=rgb",
                "data.image.scaling=mean-std",
                "data.image.mean=[0.7, 0.55, 0.5]",
                "data.image.std=[0.15, 0.15, 0.17]",
                "pretrain.batch-size=16",
                "evaluate.splits=[test]"));
    all.addAll(List.of(more));
    return ConsortiumIT.coordinatorConfig(store, data, all.toArray(String[]::new));
  }

  /**
   * {@code root/SPLIT/CLASS/*}: symbolic links to this party's share of the shared ISIC files of
   * each class (never copies), under the file names the shared folder gives them.
   */
  static Path folder(Path root, Share share) throws IOException {
    Path isic = SparkTests.sharedData().resolve("isic-skin");
    for (String c : CLASSES) {
      link(
          isic.resolve("train").resolve(c),
          root.resolve("train").resolve(c),
          share.trainFrom(),
          share.trainTo());
      link(
          isic.resolve("test").resolve(c),
          root.resolve("test").resolve(c),
          share.testFrom(),
          share.testTo());
    }
    return root;
  }

  private static void link(Path from, Path to, int fromIndex, int toIndex) throws IOException {
    Files.createDirectories(to);
    List<Path> files;
    try (Stream<Path> s = Files.list(from)) {
      files = s.sorted().toList();
    }
    assertThat(files.size()).as(from + " has enough images").isGreaterThanOrEqualTo(toIndex);
    for (Path f : files.subList(fromIndex, toIndex)) {
      Files.createSymbolicLink(to.resolve(f.getFileName()), f);
    }
  }
}
