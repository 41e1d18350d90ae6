package io.medvec.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.medvec.core.config.ConfigMap;
import io.medvec.core.io.Json;
import io.medvec.core.store.MergeManifest;
import io.medvec.core.vector.VectorManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consortium in one test: a coordinator publishes θ_pre to store A; two hospitals, each a
 * separate JVM given only store A's base directory and its own data (disjoint slices of the real
 * PneumoniaMNIST file, under names and folders of their own), fine-tune and publish; the
 * coordinator merges what arrived and evaluates. Then every file in store A is searched for the
 * hospitals' paths and file names and for their images' pixel bytes (as uint8 and as float32), and
 * the files the hospitals added are checked to be exactly their vector directories.
 */
class ConsortiumIT {

  static final String RUN = "night-1";
  static final int IMAGE = 28 * 28;

  /** Rows of the real file each party gets, per split: [from, to). */
  record Slice(int trainFrom, int trainTo, int valFrom, int valTo, int testFrom, int testTo) {}

  @TempDir Path tmp;

  @Test
  void hospitalsPublishFromTheirOwnDataAndNothingOfItReachesTheStore() throws Exception {
    Path storeA = tmp.resolve("store-a");
    Path coordinatorData =
        slice(tmp.resolve("coordinator"), "pneumoniamnist", new Slice(0, 400, 0, 100, 0, 120));
    Map<String, Path> hospitalData = new LinkedHashMap<>();
    hospitalData.put(
        "st-anna",
        slice(tmp.resolve("anna-site"), "ward7-xrays", new Slice(400, 700, 100, 160, 120, 180)));
    hospitalData.put(
        "clinic_b",
        slice(tmp.resolve("b-site"), "export-2026", new Slice(700, 1000, 160, 220, 180, 240)));

    // coordinator: a partition of its own data (public pool) and θ_pre, published to store A
    ConfigMap coordinator = coordinatorConfig(storeA, coordinatorData);
    new PartitionDataJob(SparkTests.spark(), PartitionDataJob.Config.from(coordinator)).run();
    String fp =
        new PretrainModelJob(SparkTests.spark(), PretrainModelJob.Config.from(coordinator))
            .run()
            .fingerprint();
    Path baseDir = storeA.resolve("base").resolve(fp);
    SortedMap<String, String> before = RobustFixture.snapshot(storeA);

    // two hospitals at once, each in its own JVM, given the base directory and its own data only
    runHospitals(baseDir, hospitalData, 32);

    // what the hospitals added to store A: their vector directories, nothing else
    assertOnlyVectorsAdded(storeA, before, fp, hospitalData.keySet());
    String vectors = "vectors/base=" + fp + "/hospital=";
    for (String hospital : hospitalData.keySet()) {
      Path manifestFile = storeA.resolve(vectors + hospital + "/manifest.json");
      VectorManifest m =
          Json.read(Files.readString(manifestFile), VectorManifest.class, manifestFile.toString());
      assertThat(m.hospital()).isEqualTo(hospital);
      assertThat(m.examples()).isEqualTo(300);
      assertThat(m.labelCounts()).isEqualTo(labelCounts(hospitalData.get(hospital)));
      assertThat(m.dataset()).isEqualTo("pneumoniamnist");
    }
    for (Map.Entry<String, Path> h : hospitalData.entrySet()) { // scores stayed at the hospital
      Path record = h.getValue().getParent().resolve("out/runs/default/hospital-finetune.json");
      com.fasterxml.jackson.databind.JsonNode r =
          Json.readTree(Files.readString(record), record.toString());
      assertThat(r.get("hospital").asText()).isEqualTo(h.getKey());
      List<String> scored = new ArrayList<>();
      r.get("base_scores").forEach(n -> scored.add(n.get("split").asText()));
      assertThat(scored).containsExactly("train", "val", "test");
    }

    // coordinator: merge what arrived, evaluate on its own data
    ConfigMap merge = coordinatorConfig(storeA, coordinatorData, "base=" + fp);
    MergeVectorsJob.Result merged =
        new MergeVectorsJob(SparkTests.spark(), MergeVectorsJob.Config.from(merge)).run();
    assertThat(merged.vectors())
        .extracting(MergeManifest.UsedVector::hospital)
        .containsExactlyInAnyOrder("st-anna", "clinic_b");
    EvaluateModelsJob.Result evaluated =
        new EvaluateModelsJob(SparkTests.spark(), EvaluateModelsJob.Config.from(merge)).run();
    assertThat(evaluated.rows())
        .filteredOn(r -> r.split().equals("test") && r.metric().equals("auc") && r.label() == null)
        .extracting(EvaluateModelsJob.MetricRow::modelId)
        .contains("st-anna", "clinic_b", "merged");

    // nothing of the hospitals' data anywhere in store A
    List<String> names = new ArrayList<>();
    hospitalData
        .values()
        .forEach(
            p ->
                names.addAll(
                    List.of(
                        p.getParent().toString(),
                        p.getFileName().toString(),
                        "ward7",
                        "export-2026",
                        "anna-site",
                        "b-site")));
    PixelIndex pixels = new PixelIndex();
    hospitalData.values().forEach(pixels::addImagesOf);
    assertNothingOf(storeA, names, pixels, "a hospital image's pixels");
    assertThat(pixels.size()).isGreaterThan(600);
    byte[] raw =
        RobustFixture.npyData(entries(hospitalData.get("clinic_b")).get("test_images.npy"));
    assertThat(pixels.firstMatch(raw)).as("the search finds the images it looks for").isPresent();
  }

  /**
   * Starts one {@code bin/medvec finetune --base DIR --hospital NAME} JVM per hospital at once,
   * each given the base directory and its own data only, and waits for all to succeed.
   */
  /**
   * {@code medvec finetune --base BASE --data DATA --hospital NAME --out HOME/out --score-base}
   * (one epoch, batches of {@code batchSize}) in a JVM of its own with {@code jvmOptions}, its log
   * in {@code HOME/finetune.log}.
   */
  static MedvecProcess startHospital(
      Path home, Path baseDir, Path data, String hospital, int batchSize, List<String> jvmOptions) {
    List<String> jvm = new ArrayList<>(jvmOptions);
    jvm.add("-Dspark.master=local[1]");
    return MedvecProcess.start(
        home.resolve("finetune.log"),
        jvm,
        List.of(
            "finetune",
            "--base",
            baseDir.toString(),
            "--data",
            data.toString(),
            "--hospital",
            hospital,
            "--out",
            home.resolve("out").toString(),
            "--score-base",
            "--set",
            "finetune.epochs=1",
            "--set",
            "finetune.batch-size=" + batchSize));
  }

  static void runHospitals(Path baseDir, Map<String, Path> hospitalData, int batchSize)
      throws InterruptedException {
    List<MedvecProcess> hospitals = new ArrayList<>();
    try {
      for (Map.Entry<String, Path> h : hospitalData.entrySet()) {
        hospitals.add(
            startHospital(
                h.getValue().getParent(), baseDir, h.getValue(), h.getKey(), batchSize, List.of()));
      }
      for (MedvecProcess p : hospitals) {
        assertThat(p.process.waitFor(5, TimeUnit.MINUTES)).as("hospital finished").isTrue();
        assertThat(p.process.exitValue()).as(p.logTail()).isZero();
      }
    } finally {
      for (MedvecProcess p : hospitals) {
        p.close();
      }
    }
  }

  /**
   * What the hospitals added to {@code store} since {@code before}: their vector directories
   * (vector, batch-norm statistics, manifest), nothing else, and nothing changed.
   */
  static Set<String> assertOnlyVectorsAdded(
      Path store, SortedMap<String, String> before, String fp, Set<String> hospitals) {
    SortedMap<String, String> after = RobustFixture.snapshot(store);
    Set<String> added = new TreeSet<>(after.keySet());
    added.removeAll(before.keySet());
    assertThat(after).containsAllEntriesOf(before);
    String names = String.join("|", hospitals);
    assertThat(added)
        .isNotEmpty()
        .allSatisfy(
            f ->
                assertThat(f)
                    .matches("vectors(/base=" + fp + "(/hospital=(" + names + ")(/.*)?)?)?"));
    String vectors = "vectors/base=" + fp + "/hospital=";
    for (String hospital : hospitals) {
      assertThat(added)
          .contains(
              vectors + hospital + "/vector.parquet",
              vectors + hospital + "/bn-stats.parquet",
              vectors + hospital + "/manifest.json");
    }
    return added;
  }

  /** No file under {@code store} contains any of {@code names} or any run of {@code index}. */
  static void assertNothingOf(Path store, List<String> names, PixelIndex index, String what)
      throws IOException {
    try (Stream<Path> files = Files.walk(store)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        byte[] bytes = Files.readAllBytes(f);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String name : names) {
          assertThat(text).as(f + " must not name " + name).doesNotContain(name);
        }
        assertThat(index.firstMatch(bytes)).as(f + " holds " + what).isEmpty();
      }
    }
  }

  /** The coordinator's settings on {@code store} and its data; {@code more} are applied last. */
  static ConfigMap coordinatorConfig(Path store, Path data, String... more) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "run-id=" + RUN,
                "out=" + store,
                "data.path=" + data,
                "partition.public-fraction=0.9",
                "partition.hospitals=1",
                "partition.min-per-hospital=1",
                "model.conv-filters=[4]",
                "model.dense-units=8",
                "pretrain.epochs=1",
                "pretrain.batch-size=32",
                "merge.lambda=0.5",
                "evaluate.partitions=2"));
    all.addAll(List.of(more));
    return ConfigMap.empty().withOverrides(all);
  }

  /** Labels per class of a slice's train split. */
  private static List<Long> labelCounts(Path npz) throws IOException {
    long[] counts = new long[2];
    for (byte b : RobustFixture.npyData(entries(npz).get("train_labels.npy"))) {
      counts[b]++;
    }
    return List.of(counts[0], counts[1]);
  }

  /** Writes rows of the real PneumoniaMNIST file to {@code dir/NAME.npz}. */
  static Path slice(Path dir, String name, Slice s) {
    return slice(dir, name, s, -1);
  }

  /** As above, with the first training image labelled {@code firstLabel} (unless negative). */
  static Path slice(Path dir, String name, Slice s, int firstLabel) {
    try {
      Files.createDirectories(dir);
      Map<String, byte[]> real = entries(SparkTests.sharedData().resolve("pneumoniamnist.npz"));
      Path out = dir.resolve(name + ".npz");
      try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
        for (Map.Entry<String, byte[]> e : real.entrySet()) {
          String key = e.getKey();
          int[] range =
              key.startsWith("train")
                  ? new int[] {s.trainFrom(), s.trainTo()}
                  : key.startsWith("val")
                      ? new int[] {s.valFrom(), s.valTo()}
                      : new int[] {s.testFrom(), s.testTo()};
          boolean images = key.contains("images");
          int row = images ? IMAGE : 1;
          byte[] data = RobustFixture.npyData(e.getValue());
          byte[] rows = java.util.Arrays.copyOfRange(data, range[0] * row, range[1] * row);
          int n = range[1] - range[0];
          if (key.equals("train_labels.npy") && firstLabel >= 0) {
            rows[0] = (byte) firstLabel;
          }
          zip.putNextEntry(new ZipEntry(key));
          zip.write(
              images ? RobustFixture.npyU1(rows, n, 28, 28) : RobustFixture.npyU1(rows, n, 1));
          zip.closeEntry();
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, byte[]> entries(Path npz) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(npz))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  /**
   * 64-byte runs from the middle rows of every hospital image, as uint8 and as the float32 (value /
   * 255, little and big endian) a reader would decode them to, keyed by their first 8 bytes.
   */
  static final class PixelIndex {
    static final int RUN = 64;
    private final Map<Long, List<byte[]>> runs = new HashMap<>();
    private int size;

    void addImagesOf(Path npz) {
      try {
        Map<String, byte[]> e = entries(npz);
        for (String split : List.of("train", "val", "test")) {
          byte[] pixels = RobustFixture.npyData(e.get(split + "_images.npy"));
          for (int off = 0; off < pixels.length; off += IMAGE) {
            byte[] middle =
                java.util.Arrays.copyOfRange(pixels, off + 13 * 28, off + 13 * 28 + RUN);
            if (distinct(middle) < 8) {
              continue; // a flat run (a black border) could match any file's padding
            }
            add(middle);
            add(floats(middle, ByteOrder.LITTLE_ENDIAN));
            add(floats(middle, ByteOrder.BIG_ENDIAN));
            size++;
          }
        }
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }

    /**
     * Two 64-byte runs from the middle of {@code file}'s bytes (an encoded image's entropy-coded
     * data: a match elsewhere means the file's bytes were copied).
     */
    void addBytesOf(Path file) throws IOException {
      byte[] bytes = Files.readAllBytes(file);
      int middle = bytes.length / 2;
      add(java.util.Arrays.copyOfRange(bytes, middle - RUN, middle));
      add(java.util.Arrays.copyOfRange(bytes, middle, middle + RUN));
      size++;
    }

    private static long distinct(byte[] run) {
      return java.util.stream.IntStream.range(0, run.length).map(i -> run[i]).distinct().count();
    }

    int size() {
      return size;
    }

    private static byte[] floats(byte[] pixels, ByteOrder order) {
      ByteBuffer b = ByteBuffer.allocate(RUN).order(order);
      for (int i = 0; i < RUN / 4; i++) {
        b.putFloat((pixels[i] & 0xff) / 255f);
      }
      return b.array();
    }

    private void add(byte[] run) {
      runs.computeIfAbsent(ByteBuffer.wrap(run).getLong(), k -> new ArrayList<>()).add(run);
    }

    /** The offset of the first run found in {@code bytes}, if any. */
    java.util.Optional<Integer> firstMatch(byte[] bytes) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      for (int i = 0; i + RUN <= bytes.length; i++) {
        List<byte[]> candidates = runs.get(b.getLong(i));
        if (candidates != null) {
          for (byte[] run : candidates) {
            if (java.util.Arrays.equals(bytes, i, i + RUN, run, 0, RUN)) {
              return java.util.Optional.of(i);
            }
          }
        }
      }
      return java.util.Optional.empty();
    }
  }
}
